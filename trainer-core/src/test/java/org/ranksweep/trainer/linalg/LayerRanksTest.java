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
        assertEquals(1, ranks.sketchDecisions(), "a first checkpoint of small rank: decided by the first sketch");
        assertEquals(0, ranks.gramDecisions() + ranks.svdDecisions());
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
        assertTrue(ranks.flops() > Svd.valuesFlops(M, N), "the Gram attempt and the SVD: " + ranks.flops());
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

    @Test
    void theSketchBoundsAreBoundsAndTight() {
        Random rnd = new Random(7);
        for (double tail : new double[] {0, 1e-14, 1e-9, 1e-3}) {
            double[] a = rankFivePlus(rnd, tail);
            double[] sv = Svd.values(a, M, N);
            int p = 5 + LayerRanks.OVERSAMPLE;
            for (double[] x : new double[][] {a, TestMatrices.transpose(a, M, N)}) {
                boolean wide = x == a;
                LayerRanks.Sketch sk = LayerRanks.Sketch.of(x, wide ? M : N, wide ? N : M, p);
                assertNotNull(sk);
                for (int i = 0; i < p; i++) {
                    assertTrue(sk.lo[i] <= sv[i], "tail " + tail + ": sigma_" + (i + 1) + " = " + sv[i] + " < " + sk.lo[i]);
                }
                for (int i = 0; i < 5; i++) {
                    assertEquals(sv[i], sk.lo[i], 1e-11 * sv[0] + Math.sqrt(M) * tail, "tail " + tail);
                }
                double bound = sk.tailBound(5);
                assertTrue(bound >= sv[5], "tail " + tail + ": bound " + bound + " < sigma_6 " + sv[5]);
                // within twice the tail's Frobenius norm (the sketch's top-5 subspace leans towards the tail by
                // about tail / sigma_5), plus rounding at the 1e-13 level
                assertTrue(bound <= 2 * Math.sqrt(M - 5) * tail + 1e-13, "tail " + tail + ": bound " + bound);
                assertTrue(sk.tailBound(2) >= sv[2], "a rank below the true one is bounded too");
            }
        }
    }

    @Test
    void aKnownSmallRankIsDecidedByTheSketchThenByTheGramWhenItGrows() {
        double[] a = rankFivePlus(new Random(11), 0);
        int[] want = svdRanks(a, M, N);
        LayerRanks ranks = new LayerRanks();
        assertArrayEquals(want, ranks.ranks(a, M, N, TOLS, F64));
        assertEquals(1, ranks.sketchDecisions(), "the first checkpoint: a sketch of FIRST_SKETCH columns");
        double first = ranks.flops();
        assertTrue(first > 0 && first < Svd.valuesFlops(M, N) / 2, "its work is counted: " + first);
        assertArrayEquals(want, ranks.ranks(a, M, N, TOLS, F64));
        assertEquals(2, ranks.sketchDecisions(), "then of 5 + OVERSAMPLE columns");
        double sketch = ranks.flops() - first;
        assertTrue(sketch > 0 && sketch < first, "a sketch of fewer columns costs less: " + sketch);
        assertEquals(0, ranks.gramDecisions() + ranks.svdDecisions());
        // the rank jumps past the sketch (5 + OVERSAMPLE columns): the sketch refuses, the ranks stay exact
        double[] s = new double[M];
        for (int i = 0; i < M; i++) {
            s[i] = i < 30 ? 30 - i : 0;
        }
        double[] grown = TestMatrices.withSingularValues(new Random(12), M, N, s);
        assertNull(LayerRanks.fromSketch(grown, M, N, 5 + LayerRanks.OVERSAMPLE, TOLS, F64));
        assertArrayEquals(svdRanks(grown, M, N), ranks.ranks(grown, M, N, TOLS, F64));
        assertEquals(2, ranks.sketchDecisions());
        assertEquals(1, ranks.gramDecisions() + ranks.svdDecisions());
        assertEquals(30, svdRanks(grown, M, N)[0]);
        // a first checkpoint past the first sketch's columns: refused, then the Gram path, as exact
        LayerRanks fresh = new LayerRanks();
        assertArrayEquals(svdRanks(grown, M, N), fresh.ranks(grown, M, N, TOLS, F64));
        assertEquals(0, fresh.sketchDecisions());
        assertEquals(1, fresh.gramDecisions() + fresh.svdDecisions());
    }

    @Test
    void aSingularValueAtAThresholdIsLeftToTheSvd() {
        // sigma_6 = 0.5 (1 + 1e-14), over abs:0.5 by less than an SVD's rounding: the sketch does not count it
        double[] s = new double[M];
        for (int i = 0; i < 6; i++) {
            s[i] = i < 5 ? 5 - i : 0.5 * (1 + 1e-14);
        }
        double[] a = TestMatrices.withSingularValues(new Random(13), M, N, s);
        assertNull(LayerRanks.fromSketch(a, M, N, 6 + LayerRanks.OVERSAMPLE, TOLS, F64));
        Tolerance[] numpyOnly = {Tolerance.NUMPY, Tolerance.rel(1e-6)};
        assertArrayEquals(new int[] {6, 6}, LayerRanks.fromSketch(a, M, N, 6 + LayerRanks.OVERSAMPLE, numpyOnly, F64));
    }

    @Test
    void aRankDeficientWeightOfTheStudysShapeIsDecidedByTheSketchAtEveryTolerance() {
        // Figure 1's W_1: 500 x 1000 of rank 10 (a product of thin factors, tail at rounding level)
        Random rnd = new Random(17);
        int m = 500;
        int n = 1000;
        int r = 10;
        double[] left = new double[m * r];
        double[] right = new double[r * n];
        for (int i = 0; i < left.length; i++) {
            left[i] = rnd.nextGaussian() * 0.1;
        }
        for (int i = 0; i < right.length; i++) {
            right[i] = rnd.nextGaussian() * 0.1;
        }
        double[] a = new double[m * n];
        NativeLinalg.blas().dgemm("N", "N", m, n, r, 1.0, left, m, right, r, 0.0, a, m);
        int[] got = LayerRanks.fromSketch(a, m, n, r + LayerRanks.OVERSAMPLE, TOLS, F64);
        assertNotNull(got);
        assertArrayEquals(svdRanks(a, m, n), got);
        assertEquals(r, got[0]);
    }
    /** The study's tolerances (rel:1e-3 the largest): the certificate's threshold is rel:1e-3 at ||A||_F. */
    private static final Tolerance[] STUDY = {Tolerance.NUMPY, Tolerance.rel(1e-6), Tolerance.rel(1e-3)};

    /** M x N with singular values 1 and M - 1 copies of x: ||A||_F within 1e-4 of sigma_max for x near 1e-3. */
    private static double[] oneAndRest(Random rnd, double x, boolean tall) {
        double[] s = new double[M];
        java.util.Arrays.fill(s, x);
        s[0] = 1;
        double[] a = TestMatrices.withSingularValues(rnd, M, N, s);
        return tall ? TestMatrices.transpose(a, M, N) : a;
    }

    @Test
    void theFullRankCertificateNeverClaimsWhatTheSvdWouldNotFind() {
        Random rnd = new Random(11);
        for (boolean tall : new boolean[] {false, true}) {
            int m = tall ? N : M;
            int n = tall ? M : N;
            // at or under rel:1e-3: rank M - 1 or less there, so no certificate, however close
            for (double x : new double[] {0, 1e-12, 1e-7, 0.5e-3, 0.999e-3, 1e-3 * (1 - 1e-9), 1e-3}) {
                double[] a = oneAndRest(rnd, x, tall);
                assertTrue(!LayerRanks.certifiedFullRank(LayerRanks.gram(a, m, n), m, n, STUDY, F64),
                        "x = " + x + (tall ? ", tall" : ""));
            }
            // clear of it by 1%: certified, and the SVD agrees
            for (double x : new double[] {1.01e-3, 2e-3, 0.1, 1}) {
                double[] a = oneAndRest(rnd, x, tall);
                assertTrue(LayerRanks.certifiedFullRank(LayerRanks.gram(a, m, n), m, n, STUDY, F64),
                        "x = " + x + (tall ? ", tall" : ""));
                double[] sv = Svd.values(a, m, n);
                for (Tolerance t : STUDY) {
                    assertEquals(M, t.rank(sv, m, n, F64), "x = " + x + ", " + t);
                }
            }
        }
        // numpy's tolerance alone: the Gram matrix's rounding, not the threshold, limits what is certified
        Tolerance[] numpy = {Tolerance.NUMPY};
        assertTrue(LayerRanks.certifiedFullRank(LayerRanks.gram(oneAndRest(rnd, 1e-5, false), M, N), M, N, numpy, F64));
        assertTrue(!LayerRanks.certifiedFullRank(LayerRanks.gram(oneAndRest(rnd, 1e-9, false), M, N), M, N, numpy, F64),
                "sigma_min^2 = 1e-18 is under the Gram matrix's rounding");
        assertTrue(!LayerRanks.certifiedFullRank(LayerRanks.gram(rankFivePlus(rnd, 0), M, N), M, N, numpy, F64));
        assertTrue(!LayerRanks.certifiedFullRank(new double[M * M], M, N, numpy, F64), "the zero matrix");
    }

    @Test
    void aFullRankLayerIsCertifiedFromItsSecondCheckpointAndLosingARankFallsBack() {
        Random rnd = new Random(12);
        LayerRanks ranks = new LayerRanks();
        double[] noisy = TestMatrices.gaussian(rnd, M * N, 1.0);
        assertArrayEquals(svdRanks(noisy, M, N), ranks.ranks(noisy, M, N, TOLS, F64));
        assertEquals(0, ranks.choleskyDecisions(), "the first decision has no rank to start from");
        assertEquals(0, ranks.sketchDecisions(), "a full-rank matrix is past the first sketch");
        double[] next = TestMatrices.gaussian(rnd, M * N, 1.0);
        int[] got = ranks.ranks(next, M, N, TOLS, F64);
        assertArrayEquals(svdRanks(next, M, N), got);
        assertEquals(M, got[3], "abs:0.5 is far under a Gaussian 160 x 400 matrix's sigma_min (about 7)");
        assertEquals(1, ranks.choleskyDecisions());
        // one singular value falls under rel:1e-3: the certificate fails and the Gram matrix decides
        double[] s = new double[M];
        for (int i = 0; i < M; i++) {
            s[i] = i == M - 1 ? 1e-4 : 1 + i % 7;
        }
        double[] dropped = TestMatrices.withSingularValues(rnd, M, N, s);
        long before = ranks.gramDecisions() + ranks.svdDecisions();
        assertArrayEquals(svdRanks(dropped, M, N), ranks.ranks(dropped, M, N, TOLS, F64));
        assertEquals(1, ranks.choleskyDecisions());
        assertEquals(before + 1, ranks.gramDecisions() + ranks.svdDecisions());
    }
    @Test
    void aWiderDrawOfTheSketchsGaussiansGivesTheSameSketch() {
        double[] a = rankFivePlus(new Random(13), 1e-12);
        int p = 5 + LayerRanks.OVERSAMPLE;
        LayerRanks.Sketch fresh = LayerRanks.Sketch.of(a, M, N, p);
        LayerRanks.Sketch wider = LayerRanks.Sketch.of(a, M, N, p, LayerRanks.gaussians(N, p + 7));
        assertArrayEquals(fresh.lo, wider.lo);
        // and a LayerRanks keeping its draw decides as fresh ones do when the rank grows and falls
        LayerRanks kept = new LayerRanks();
        Random rnd = new Random(14);
        for (int rank : new int[] {5, 12, 3, 20, 5}) {
            double[] s = new double[M];
            for (int i = 0; i < rank; i++) {
                s[i] = rank - i;
            }
            double[] x = TestMatrices.withSingularValues(rnd, M, N, s);
            assertArrayEquals(svdRanks(x, M, N), kept.ranks(x, M, N, TOLS, F64), "rank " + rank);
        }
        assertTrue(kept.sketchDecisions() >= 3, "sketches: " + kept.sketchDecisions());
    }
}
