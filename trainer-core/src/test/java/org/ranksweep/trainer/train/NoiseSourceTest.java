package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The run's noise stream: distribution (moments and quantile bins), determinism, both precisions. */
class NoiseSourceTest {
    /** Draws per test. */
    private static final int N = 400 * 500;
    /** Chi-square with 7 degrees of freedom: P(X > 24.32) = 0.001. */
    private static final double CHI2_7DF_999 = 24.32;
    /** Moments within this many standard errors. */
    private static final double SE = 5;
    /** Standard normal quantiles at 2.5%, 10%, 25%, 50% (and their mirrors): eight bins. */
    private static final double[] EDGES = {-1.959963984540054, -1.2815515655446004, -0.6744897501960817, 0,
        0.6744897501960817, 1.2815515655446004, 1.959963984540054};
    private static final double[] BIN_P = {0.025, 0.075, 0.15, 0.25, 0.25, 0.15, 0.075, 0.025};

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void gaussianDrawsAreNormalWithTheAskedMeanAndSigma(String type) {
        DataType t = DataType.valueOf(type);
        double mean = 1.5;
        double sigma = 0.25;
        INDArray a = Nd4j.create(t, new long[] {400, 500}, 'f');
        new NoiseSource(3).gaussian(a, mean, sigma);
        double[] v = a.data().asDouble();
        double m = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (N - 1);
        assertEquals(mean, m, SE * sigma / Math.sqrt(N));
        // var of the sample variance of a normal: 2 sigma^4 / (n - 1)
        assertEquals(sigma * sigma, var, SE * Math.sqrt(2.0 / (N - 1)) * sigma * sigma);
        long[] bins = new long[BIN_P.length];
        for (double x : v) {
            int b = 0;
            while (b < EDGES.length && (x - mean) / sigma >= EDGES[b]) {
                b++;
            }
            bins[b]++;
        }
        double chi2 = 0;
        for (int b = 0; b < bins.length; b++) {
            double e = BIN_P[b] * N;
            chi2 += (bins[b] - e) * (bins[b] - e) / e;
        }
        assertTrue(chi2 < CHI2_7DF_999, "chi-square " + chi2 + " over bins " + Arrays.toString(bins));
        a.close();
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.5})
    void invertedDropoutKeepsTheMeanAndDropsAFractionP(double p) {
        INDArray a = Nd4j.create(DataType.DOUBLE, new long[] {400, 500}, 'f');
        new NoiseSource(4).invertedDropout(a, p);
        double[] v = a.data().asDouble();
        long zeros = Arrays.stream(v).filter(x -> x == 0).count();
        assertTrue(Arrays.stream(v).allMatch(x -> x == 0 || x == 1 / (1 - p)));
        assertEquals(p, zeros / (double) N, SE * Math.sqrt(p * (1 - p) / N));
        a.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void theSameSeedGivesTheSameDrawsAndAnotherSeedOthers(String type) {
        DataType t = DataType.valueOf(type);
        INDArray a = Nd4j.create(t, new long[] {30, 20}, 'f');
        INDArray b = Nd4j.create(t, new long[] {30, 20}, 'f');
        new NoiseSource(11).gaussian(a, 0, 1);
        new NoiseSource(11).gaussian(b, 0, 1);
        assertArrayEquals(a.data().asDouble(), b.data().asDouble(), 0.0);
        new NoiseSource(12).gaussian(b, 0, 1);
        assertFalse(Arrays.equals(a.data().asDouble(), b.data().asDouble()));
        a.close();
        b.close();
    }
}
