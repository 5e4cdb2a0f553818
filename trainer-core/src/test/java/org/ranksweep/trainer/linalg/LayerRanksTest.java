package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

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

    @Test
    void rankDeficientMatricesFallBackToTheSvd() {
        Random rnd = new Random(2);
        int m = 70;
        int n = 90;
        double[] s = new double[m];
        for (int i = 0; i < 10; i++) {
            s[i] = 1 + i;
        }
        double[] a = TestMatrices.withSingularValues(rnd, m, n, s);
        assertNull(LayerRanks.fromGram(a, m, n, TOLS, F64), "zero singular values are too close to numpy's threshold");
        LayerRanks ranks = new LayerRanks();
        int[] got = ranks.ranks(a, m, n, TOLS, F64);
        assertArrayEquals(svdRanks(a, m, n), got);
        assertEquals(10, got[0]);
        assertEquals(1, ranks.svdDecisions());
        // next time straight to the SVD, no Gram attempt wasted
        ranks.ranks(a, m, n, TOLS, F64);
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
