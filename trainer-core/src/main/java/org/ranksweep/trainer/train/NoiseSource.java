package org.ranksweep.trainer.train;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A run's noise stream: every random draw after initialisation (gradient, input and output noise,
 * dropout masks, Jin et al.'s ball) comes from one {@link SplittableRandom} seeded by the run, in step
 * order. Gaussians are {@link SplittableRandom#nextGaussian()} (the JDK's modified ziggurat, about 6 ns
 * a draw, several times faster than ND4J's native Gaussian op) written straight into the array's
 * buffer: no ND4J op, no native allocation, so runs on several threads of one JVM do not queue on
 * ND4J's shared state. Not thread-safe: one thread draws at a time (the prefetch hands over through
 * a future).
 */
final class NoiseSource {
    private final SplittableRandom random;

    NoiseSource(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Fills {@code a} with independent N(mean, sigma^2) draws, in buffer order. */
    void gaussian(INDArray a, double mean, double sigma) {
        Kernels.Buf b = Kernels.buf(a);
        for (int i = 0, n = b.length(); i < n; i++) {
            b.set(i, mean + sigma * random.nextGaussian());
        }
    }

    /** Fills {@code a} with an inverted-dropout mask: 0 with probability p, else 1/(1-p). */
    void invertedDropout(INDArray a, double p) {
        Kernels.Buf b = Kernels.buf(a);
        double keep = 1.0 / (1.0 - p);
        for (int i = 0, n = b.length(); i < n; i++) {
            b.set(i, random.nextDouble() < p ? 0.0 : keep);
        }
    }

    /** One uniform draw in [0, 1). */
    double uniform() {
        return random.nextDouble();
    }
}
