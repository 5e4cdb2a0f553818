package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ranksweep.trainer.TestMatrices;
import org.ranksweep.trainer.config.Activation;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.data.Dataset;

/** Each noise type injects what it claims, and nothing when its level is 0. */
class NoiseInjectionTest {
    /** Monte Carlo and variance estimates must land within this many standard errors. */
    private static final double STANDARD_ERRORS = 5;

    private static RunConfig.Builder base() {
        return RunConfig.builder().architecture("10-7-5:linear").init(InitScheme.GAUSSIAN).initScale(0.3)
                .learningRate(0.05).epochs(6).checkpointEvery(2).seed(11)
                .data(DataSpec.synthetic(0, 0, 30, 4, 0.1));
    }

    @ParameterizedTest
    @EnumSource(value = NoiseType.class,
            names = {"GRADIENT", "INPUT", "OUTPUT", "GAUSSIAN_DROPOUT", "BERNOULLI_DROPOUT", "SPECTRAL", "JIN_PGD"})
    void sigmaZeroIsPlainGradientDescentExactly(NoiseType noise) {
        RunResult plain = Trainer.run(base().noise(NoiseType.NONE).build());
        RunResult zero = Trainer.run(base().noise(noise).sigma(0).build());
        assertEquals(plain.checkpoints.length, zero.checkpoints.length);
        for (int i = 0; i < plain.checkpoints.length; i++) {
            Checkpoint a = plain.checkpoints[i];
            Checkpoint b = zero.checkpoints[i];
            assertEquals(Double.doubleToLongBits(a.loss), Double.doubleToLongBits(b.loss), noise + " loss at " + a.epoch);
            assertArrayEquals(a.singularValues, b.singularValues, 0.0, noise + " spectrum at " + a.epoch);
        }
        RunConfig.Builder nb = base().noise(noise).sigma(noise == NoiseType.BERNOULLI_DROPOUT ? 0.3 : 0.05)
                .jinGradThreshold(10);
        if (noise == NoiseType.SPECTRAL) { // a full-rank start has nothing to lift
            nb.init(InitScheme.BALANCED_LOW_RANK).initRank(2);
            plain = Trainer.run(base().init(InitScheme.BALANCED_LOW_RANK).initRank(2).noise(NoiseType.NONE).build());
        }
        RunResult noisy = Trainer.run(nb.build());
        assertTrue(noisy.finalLoss != plain.finalLoss, noise + " with sigma > 0 changed nothing");
    }

    @Test
    void gradientNoiseHasVarianceSigmaSquared() {
        double sigma = 0.05;
        double lr = 0.1;
        RunConfig.Builder b = RunConfig.builder().architecture("60-50-40:linear").learningRate(lr).epochs(1)
                .seed(2).data(DataSpec.synthetic(0, 0, 70, 1, 0.1));
        Dataset ds = DataLoader.load(b.build().data);
        double[][] plain = Trainer.runKeepingWeights(b.noise(NoiseType.NONE).build(), ds).weights;
        double[][] noisy = Trainer.runKeepingWeights(b.noise(NoiseType.GRADIENT).sigma(sigma).build(), ds).weights;
        // W_noisy = W - lr (g + eps) and W_plain = W - lr g, so eps = (W_plain - W_noisy) / lr
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (int i = 0; i < plain.length; i++) {
            for (int k = 0; k < plain[i].length; k++) {
                double e = (plain[i][k] - noisy[i][k]) / lr;
                sum += e;
                sq += e * e;
                n++;
            }
        }
        double mean = sum / n;
        double var = sq / n - mean * mean;
        double s2 = sigma * sigma;
        assertEquals(0, mean, STANDARD_ERRORS * sigma / Math.sqrt(n), "mean of the injected noise");
        assertEquals(s2, var, STANDARD_ERRORS * s2 * Math.sqrt(2.0 / n), "variance of the injected noise");
    }

    @Test
    void outputNoiseHasVarianceSigmaSquared() {
        // For Y + E the last layer's gradient moves by -E H^T (H = W_1 X), so one step changes W_2 by
        // lr E H^T. Each row k of K = E H^T is N(0, sigma^2 H H^T): sum_k k^T (H H^T)^-1 k / (d_2 d_1)
        // estimates sigma^2 with relative standard error sqrt(2 / (d_2 d_1)).
        double sigma = 0.2;
        double lr = 0.1;
        int d0 = 30;
        int d1 = 20;
        int d2 = 25;
        int m = 80;
        RunConfig.Builder b = RunConfig.builder().widths(d0, d1, d2).learningRate(lr).epochs(1).seed(8)
                .data(DataSpec.synthetic(0, 0, m, 2, 0.1));
        Dataset ds = DataLoader.load(b.build().data);
        double[][] w0 = Initializer.initialWeights(b.build());
        double[][] plain = Trainer.runKeepingWeights(b.noise(NoiseType.NONE).build(), ds).weights;
        double[][] noisy = Trainer.runKeepingWeights(b.noise(NoiseType.OUTPUT).sigma(sigma).build(), ds).weights;
        double[] h = TestMatrices.mul(w0[0], ds.x, d1, d0, m);
        double[] hht = TestMatrices.mul(h, TestMatrices.transpose(h, d1, m), d1, m, d1);
        double[] kt = new double[d1 * d2]; // K^T (d1 x d2): columns are the rows of K
        for (int j = 0; j < d1; j++) {
            for (int k = 0; k < d2; k++) {
                kt[k * d1 + j] = (noisy[1][j * d2 + k] - plain[1][j * d2 + k]) / lr;
            }
        }
        double[] solved = TestMatrices.solveSpd(hht, kt, d1, d2);
        double quad = 0;
        for (int i = 0; i < kt.length; i++) {
            quad += kt[i] * solved[i];
        }
        double estimate = quad / (d1 * d2);
        double s2 = sigma * sigma;
        assertEquals(s2, estimate, STANDARD_ERRORS * s2 * Math.sqrt(2.0 / (d1 * d2)), "output noise variance");
    }

    @Test
    void gaussianDropoutExpectedLossMatchesItsClosedForm() {
        // Dropout on the hidden activations H = W_1 X of a 2-layer linear network, M ~ N(1, sigma^2):
        // E 1/2 ||Y - W_2 (H .* M)||^2 = 1/2 ||Y - W_2 H||^2 + sigma^2/2 sum_j ||W_2[:, j]||^2 ||H[j, :]||^2.
        // (The study's Lemma 6 writes sigma^2 ||W_2 W_1 X||^2 for the second term, which swaps the
        // diagonal and off-diagonal moments of M; the sum over j is what dropout on H gives.)
        double sigma = 0.4;
        checkDropout(sigma, sigma * sigma, true);
    }

    @Test
    void bernoulliDropoutExpectedLossMatchesItsClosedForm() {
        // Inverted dropout, M = B / (1 - p), B ~ Bernoulli(1 - p): E M = 1, Var M = p / (1 - p).
        double p = 0.3;
        checkDropout(p, p / (1 - p), false);
    }

    private static void checkDropout(double level, double maskVariance, boolean gaussian) {
        int d0 = 6;
        int d1 = 5;
        int d2 = 4;
        int m = 9;
        int draws = 4000;
        Random rnd = new Random(21);
        double[] w1 = TestMatrices.gaussian(rnd, d1 * d0, 0.8);
        double[] w2 = TestMatrices.gaussian(rnd, d2 * d1, 0.8);
        double[] x = TestMatrices.gaussian(rnd, d0 * m, 1);
        double[] y = TestMatrices.gaussian(rnd, d2 * m, 1);
        double[] h = TestMatrices.mul(w1, x, d1, d0, m);
        double[] fit = TestMatrices.mul(w2, h, d2, d1, m);
        double clean = 0;
        for (int i = 0; i < fit.length; i++) {
            clean += (y[i] - fit[i]) * (y[i] - fit[i]);
        }
        double penalty = 0;
        for (int j = 0; j < d1; j++) {
            double col = 0;
            for (int k = 0; k < d2; k++) {
                col += w2[j * d2 + k] * w2[j * d2 + k];
            }
            double row = 0;
            for (int s = 0; s < m; s++) {
                row += h[s * d1 + j] * h[s * d1 + j];
            }
            penalty += col * row;
        }
        double expected = 0.5 * clean + 0.5 * maskVariance * penalty;

        INDArray xa = Network.transposed(x, d0, m, DataType.DOUBLE);
        INDArray ya = Network.transposed(y, d2, m, DataType.DOUBLE);
        try (Network net = new Network(new int[] {d0, d1, d2}, Activation.LINEAR, Activation.LINEAR, LossKind.SUM,
                DataType.DOUBLE, new double[][] {w1, w2})) {
            NoiseSource rng = new NoiseSource(99);
            Network.Dropout dropout = gaussian ? Network.Dropout.gaussian(level, rng) : Network.Dropout.bernoulli(level, rng);
            double sum = 0;
            double sq = 0;
            for (int t = 0; t < draws; t++) {
                double l = net.lossAndGradients(xa, ya, dropout, false);
                sum += l;
                sq += l * l;
            }
            double mean = sum / draws;
            double se = Math.sqrt((sq / draws - mean * mean) / draws);
            assertEquals(expected, mean, STANDARD_ERRORS * se,
                    "Monte Carlo mean " + mean + " (standard error " + se + ") vs closed form " + expected);
            assertTrue(Math.abs(0.5 * clean - expected) > 10 * se, "the test must be able to see the penalty");
        } finally {
            xa.close();
            ya.close();
        }
    }

    @Test
    void sgdWithOneBatchIsFullBatchGradientDescent() {
        RunResult plain = Trainer.run(base().noise(NoiseType.NONE).build());
        RunResult sgd = Trainer.run(base().noise(NoiseType.SGD).batchSize(30).build());
        for (int i = 0; i < plain.checkpoints.length; i++) {
            Checkpoint a = plain.checkpoints[i];
            Checkpoint b = sgd.checkpoints[i];
            assertEquals(a.loss, b.loss, TestMatrices.F64_LOOSE * a.loss, "loss at epoch " + a.epoch);
        }
        RunResult small = Trainer.run(base().noise(NoiseType.SGD).batchSize(7).build());
        assertTrue(Math.abs(small.finalLoss - plain.finalLoss) > 1e-6, "mini-batches changed nothing");
    }

    @Test
    void jinPerturbationEscapesTheZeroSaddle() {
        // W = 0 is a critical point of every deep linear network: GD never moves, PGD must.
        RunConfig.Builder b = RunConfig.builder().architecture("8-6-4:linear").init(InitScheme.ZERO)
                .learningRate(0.1).epochs(60).checkpointEvery(10).data(DataSpec.synthetic(0, 0, 30, 5, 0.1));
        RunResult gd = Trainer.run(b.noise(NoiseType.NONE).build());
        for (Checkpoint cp : gd.checkpoints) {
            assertEquals(0, cp.rank, "GD from zero moved at epoch " + cp.epoch);
        }
        RunResult pgd = Trainer.run(b.noise(NoiseType.JIN_PGD).sigma(0.1).jinGradThreshold(1e-3).jinInterval(5).build());
        assertEquals(4, pgd.finalRank);
        assertTrue(pgd.finalLoss < 0.5 * gd.finalLoss, "PGD loss " + pgd.finalLoss + " vs GD " + gd.finalLoss);
    }

    @Test
    void spectralNoiseLiftsTheNextSingularValueEachStep() {
        RunConfig.Builder b = RunConfig.builder().architecture("12-8-6:linear").init(InitScheme.BALANCED_LOW_RANK)
                .initRank(2).initScale(0.5).learningRate(0.05).epochs(3).checkpointEvery(1)
                .data(DataSpec.synthetic(0, 0, 30, 6, 0.1));
        RunResult r = Trainer.run(b.noise(NoiseType.SPECTRAL).sigma(0.2).build());
        int[] full = {8, 6};
        // The first GD step keeps each W_i in the shared rank-2 subspace; the lift then adds exactly one.
        // Later GD steps may themselves raise the rank (the lifted directions differ between layers),
        // and each lift adds one more until a layer is full.
        for (int i = 0; i < 2; i++) {
            assertEquals(2, r.checkpoints[0].layerRanks[i][2], "rank(W_" + (i + 1) + ") at epoch 0");
            assertEquals(3, r.checkpoints[1].layerRanks[i][2], "rank(W_" + (i + 1) + ") at epoch 1");
            for (int e = 2; e < r.checkpoints.length; e++) {
                int before = r.checkpoints[e - 1].layerRanks[i][2];
                assertTrue(r.checkpoints[e].layerRanks[i][2] >= Math.min(full[i], before + 1),
                        "rank(W_" + (i + 1) + ") at epoch " + e + " did not grow");
            }
        }
    }
}
