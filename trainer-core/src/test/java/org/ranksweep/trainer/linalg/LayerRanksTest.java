package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ranksweep.trainer.TestMatrices;

/** The Gram shortcut decides exactly as the SVD does, and steps aside when it cannot. */
class LayerRanksTest {
    private static final double F64 = 0x1p-52;
    private static final Tolerance[] TOLS = {Tolerance.NUMPY, Tolerance.rel(1e-6), Tolerance.rel(1e-3), Tolerance.abs(0.5)};

    private static int[] svdRanks(double[] a, int m, int n) {
        double[] sv = Svd.values(a, m, n);
        int[] r = new int[TOLS.length];
        for (int t = 0; t < TOLS.length; t++) {
            r[t] = TOLS[t].rank(sv, m, n, F64);
        }
        return r;
    }

    @Test
    void wellSeparatedSpectraAreDecidedByTheGramMatrix() {
        Random rnd = new Random(1);
        int m = 80;
        int n = 150;
        double[] s = new double[m];
        for (int i = 0; i < m; i++) {
            s[i] = 3.1 / (1 + i); // from 3.1 down to 0.038: none close to a threshold
        }
        double[] wide = TestMatrices.withSingularValues(rnd, m, n, s);
        int[] gram = LayerRanks.fromGram(wide, m, n, TOLS, F64);
        assertNotNull(gram, "a well separated spectrum must not need the SVD");
        assertArrayEquals(svdRanks(wide, m, n), gram);
        assertEquals(6, gram[3]); // 3.1/(1+i) > 0.5 for i <= 5
        double[] tall = TestMatrices.transpose(wide, m, n);
        assertArrayEquals(svdRanks(tall, n, m), LayerRanks.fromGram(tall, n, m, TOLS, F64));
    }

    private static final int M = 160;
    private static final int N = 400;

    /**
     * M x N with singular values 5, 4, ..., 1, then {@code tail} (zero: exactly rank 5). The tail bound's
     * own rounding term grows with the rank and the norms, numpy's threshold with max(m, n): at this size
     * the bound can place a zero tail under numpy's threshold (at 70 x 90 it cannot, and the SVD decides).
     */
    private static double[] rankFivePlus(Random rnd, double tail) {
        double[] s = new double[M];
        for (int i = 0; i < s.length; i++) {
            s[i] = i < 5 ? 5 - i : tail;
        }
        return TestMatrices.withSingularValues(rnd, M, N, s);
    }

    @Test
    void rankDeficientMatricesAreDecidedByBoundingTheTail() {
        double[] a = rankFivePlus(new Random(2), 0);
        int[] gram = LayerRanks.fromGram(a, M, N, TOLS, F64);
        assertNotNull(gram, "a rank-5 matrix: five eigenvalues far above the noise, the rest at rounding level");
        assertArrayEquals(svdRanks(a, M, N), gram);
        assertEquals(5, gram[0]);
        double[] tall = TestMatrices.transpose(a, M, N);
        assertArrayEquals(svdRanks(tall, N, M), LayerRanks.fromGram(tall, N, M, TOLS, F64));
        LayerRanks ranks = new LayerRanks();
        assertArrayEquals(gram, ranks.ranks(a, M, N, TOLS, F64));
        assertEquals(1, ranks.gramDecisions());
        assertEquals(0, ranks.svdDecisions());
    }

    @Test
    void theTailBoundIsAnUpperBoundAndNotAFarOne() {
        Random rnd = new Random(5);
        for (double tail : new double[] {0, 1e-12, 1e-7}) {
            double[] a = rankFivePlus(rnd, tail);
            double[] g = new double[M * M];
            NativeLinalg.blas().dsyrk("U", "N", M, N, 1.0, a, M, 0.0, g, M);
            double bound = LayerRanks.tailBound(a, M, N, g, 5);
            double sigma6 = Svd.values(a, M, N)[5];
            assertTrue(bound >= sigma6, "tail " + tail + ": bound " + bound + " < sigma_6 " + sigma6);
            // at most the Frobenius norm of the tail (sqrt(M - 5) tail) plus rounding at the 1e-13 level
            assertTrue(bound <= Math.sqrt(M - 5) * tail * (1 + 1e-6) + 1e-13, "tail " + tail + ": bound " + bound);
        }
    }

    @Test
    void aTailAboveTheThresholdStillGoesToTheSvd() {
        // 1e-9 is below rel:1e-6 of 5 but far above numpy's 400 * 5 * eps: the bound decides the one, not the other
        double[] a = rankFivePlus(new Random(3), 1e-9);
        assertNull(LayerRanks.fromGram(a, M, N, TOLS, F64));
        LayerRanks ranks = new LayerRanks();
        int[] got = ranks.ranks(a, M, N, TOLS, F64);
        assertArrayEquals(svdRanks(a, M, N), got);
        assertEquals(M, got[0]);
        assertEquals(5, got[1]);
        assertEquals(1, ranks.svdDecisions());
        // next time straight to the SVD, no Gram attempt wasted
        ranks.ranks(a, M, N, TOLS, F64);
        assertEquals(2, ranks.svdDecisions());
        assertEquals(0, ranks.gramDecisions());
    }

    @Test
    void agreesWithTheSvdOnRandomSpectra() {
        Random rnd = new Random(3);
        LayerRanks ranks = new LayerRanks();
        for (int trial = 0; trial < 20; trial++) {
            int m = 64 + rnd.nextInt(30);
            int n = 64 + rnd.nextInt(60);
            int k = Math.min(m, n);
            double[] s = new double[k];
            int r = rnd.nextInt(k + 1);
            for (int i = 0; i < r; i++) {
                s[i] = Math.pow(10, -8 * rnd.nextDouble());
            }
            java.util.Arrays.sort(s);
            for (int i = 0; i < k / 2; i++) {
                double t = s[i];
                s[i] = s[k - 1 - i];
                s[k - 1 - i] = t;
            }
            double[] a = TestMatrices.withSingularValues(rnd, m, n, s);
            assertArrayEquals(svdRanks(a, m, n), ranks.ranks(a, m, n, TOLS, F64), "trial " + trial);
        }
    }
}
