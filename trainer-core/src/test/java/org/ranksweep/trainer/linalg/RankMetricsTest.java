package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.ranksweep.trainer.TestMatrices;
import org.ranksweep.trainer.config.ConfigException;

/** Rank, effective rank and stable rank on matrices built with known singular values. */
class RankMetricsTest {
    private static final double F64 = 0x1p-52;
    private static final double F32 = 0x1p-23;
    /** Relative accuracy of LAPACK's singular values against the ones built in. */
    private static final double SV_REL = 1e-12;

    static Stream<Arguments> matrices() {
        return Stream.of(
                // name, m, n, singular values
                Arguments.of("wide full rank", 4, 9, new double[] {5, 3, 2, 1}),
                Arguments.of("tall full rank", 9, 4, new double[] {7, 6, 0.5, 0.25}),
                Arguments.of("wide rank-deficient", 5, 8, new double[] {4, 2, 1e-2, 0, 0}),
                Arguments.of("tall rank-deficient", 8, 5, new double[] {3, 1e-5, 1e-9, 0, 0}),
                Arguments.of("zero", 3, 6, new double[] {0, 0, 0}),
                Arguments.of("identity", 6, 6, new double[] {1, 1, 1, 1, 1, 1}),
                Arguments.of("graded", 7, 7, new double[] {1, 1e-2, 1e-4, 5e-6, 5e-8, 5e-10, 5e-12}),
                // wide matrices go through their transpose, in 32 x 32 blocks: sides past and between blocks
                Arguments.of("wide, 37 x 70", 37, 70, graded(37)),
                Arguments.of("tall, 70 x 37", 70, 37, graded(37)));
    }

    private static double[] graded(int k) {
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            s[i] = Math.pow(0.7, i);
        }
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrices")
    void singularValuesAreRecovered(String name, int m, int n, double[] s) {
        double[] a = TestMatrices.withSingularValues(new Random(name.hashCode()), m, n, s);
        double[] before = a.clone();
        double[] got = Svd.values(a, m, n);
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, a, name + ": the input is left as it was");
        assertEquals(s.length, got.length, name);
        for (int i = 0; i < s.length; i++) {
            assertEquals(s[i], got[i], SV_REL * s[0] + 1e-15, name + ": singular value " + i);
        }
    }

    /**
     * Each thread keeps its copy and workspace between SVDs: after larger and other-shaped ones the values
     * are bit for bit those of a thread computing its first.
     */
    @Test
    void aThreadsScratchCarriesNothingOver() throws Exception {
        java.util.List<Arguments> all = matrices().collect(java.util.stream.Collectors.toList());
        int count = all.size();
        double[][] inputs = new double[count][];
        double[][] first = new double[count][];
        for (int i = 0; i < count; i++) {
            Object[] arg = all.get(i).get();
            int m = (int) arg[1];
            int n = (int) arg[2];
            double[] a = TestMatrices.withSingularValues(new Random(i), m, n, (double[]) arg[3]);
            inputs[i] = a;
            java.util.concurrent.FutureTask<double[]> fresh = new java.util.concurrent.FutureTask<>(() -> Svd.values(a, m, n));
            Thread t = new Thread(fresh);
            t.start();
            first[i] = fresh.get();
        }
        // on one new thread: in the list's order (the largest last), then back, then shuffled
        java.util.concurrent.FutureTask<Void> sequence = new java.util.concurrent.FutureTask<>(() -> {
            for (int round = 0; round < 3; round++) {
                for (int j = 0; j < count; j++) {
                    int i = round == 0 ? j : round == 1 ? count - 1 - j : (j * 5) % count;
                    Object[] arg = all.get(i).get();
                    org.junit.jupiter.api.Assertions.assertArrayEquals(first[i], Svd.values(inputs[i], (int) arg[1],
                            (int) arg[2]), arg[0] + " after other SVDs on this thread, round " + round);
                }
            }
            return null;
        });
        Thread t = new Thread(sequence);
        t.start();
        sequence.get();
    }

    /** Past the scratch limit a matrix gets a copy of its own: a row (or column) whose one singular value is its norm. */
    @Test
    void aMatrixPastTheScratchLimitGetsItsOwnCopy() {
        int n = Svd.SCRATCH_MAX + 1;
        double[] a = TestMatrices.gaussian(new Random(3), n, 1.0);
        double[] before = a.clone();
        double norm = 0;
        for (double x : a) {
            norm = Math.hypot(norm, x);
        }
        assertEquals(norm, Svd.values(a, 1, n)[0], SV_REL * norm, "1 x n");
        assertEquals(norm, Svd.values(a, n, 1)[0], SV_REL * norm, "n x 1");
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, a, "the input is left as it was");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matrices")
    void rankAtEachToleranceKind(String name, int m, int n, double[] s) {
        double[] sv = Svd.values(TestMatrices.withSingularValues(new Random(name.hashCode()), m, n, s), m, n);
        // Expected ranks from the built-in values and the definitions, not from the code's threshold.
        double numpyTol = s[0] * Math.max(m, n) * F64;
        assertEquals(count(s, numpyTol), Tolerance.NUMPY.rank(sv, m, n, F64), name + " numpy");
        assertEquals(count(s, 1e-3 * s[0]), Tolerance.rel(1e-3).rank(sv, m, n, F64), name + " rel:1e-3");
        assertEquals(count(s, 1e-6 * s[0]), Tolerance.rel(1e-6).rank(sv, m, n, F64), name + " rel:1e-6");
        assertEquals(count(s, 0.75), Tolerance.abs(0.75).rank(sv, m, n, F64), name + " abs:0.75");
    }

    private static int count(double[] s, double tol) {
        int r = 0;
        for (double v : s) {
            if (v > tol * (1 + 1e-9)) {
                r++;
            }
        }
        return r;
    }

    @Test
    void knownRanks() {
        Random rnd = new Random(3);
        assertEquals(4, Tolerance.NUMPY.rank(Svd.values(TestMatrices.withSingularValues(rnd, 4, 9,
                new double[] {5, 3, 2, 1}), 4, 9), 4, 9, F64));
        assertEquals(2, Tolerance.NUMPY.rank(Svd.values(TestMatrices.withSingularValues(rnd, 5, 8,
                new double[] {4, 2, 0, 0, 0}), 5, 8), 5, 8, F64));
        assertEquals(0, Tolerance.NUMPY.rank(new double[] {0, 0, 0}, 3, 6, F64));
        assertEquals(6, Tolerance.NUMPY.rank(Svd.values(identity(6), 6, 6), 6, 6, F64));
        // a graded spectrum, thresholds strictly between its values
        double[] graded = {1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12};
        assertEquals(2, Tolerance.rel(1e-3).rank(graded, 7, 7, F64));
        assertEquals(4, Tolerance.rel(1e-7).rank(graded, 7, 7, F64));
        assertEquals(7, Tolerance.NUMPY.rank(graded, 7, 7, F64));
    }

    @Test
    void tolerancesFollowThePrecision() {
        // 1e-6 relative is below float32's floor (max(m,n) * eps32 = 1000 * 1.19e-7 = 1.19e-4):
        double[] sv = {1, 1e-2, 1e-5, 1e-7};
        assertEquals(3, Tolerance.rel(1e-6).rank(sv, 1000, 1000, F64));
        assertEquals(2, Tolerance.rel(1e-6).rank(sv, 1000, 1000, F32));
        assertEquals(4, Tolerance.NUMPY.rank(sv, 1000, 1000, F64));
        assertEquals(2, Tolerance.NUMPY.rank(sv, 1000, 1000, F32));
        assertEquals(1000 * F32, Tolerance.abs(1e-9).threshold(1, 1000, 10, F32), 1e-18);
    }

    @Test
    void effectiveAndStableRankClosedForms() {
        // equal singular values: effective rank = count, stable rank = count
        assertEquals(5, SpectralMetrics.effectiveRank(new double[] {2, 2, 2, 2, 2}), TestMatrices.F64_TIGHT);
        assertEquals(5, SpectralMetrics.stableRank(new double[] {2, 2, 2, 2, 2}), TestMatrices.F64_TIGHT);
        // s = (3, 1): p = (3/4, 1/4), H = -(3/4 ln 3/4 + 1/4 ln 1/4); stable = (9 + 1) / 9
        double h = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
        assertEquals(Math.exp(h), SpectralMetrics.effectiveRank(new double[] {3, 1, 0}), TestMatrices.F64_TIGHT);
        assertEquals(10.0 / 9.0, SpectralMetrics.stableRank(new double[] {3, 1, 0}), TestMatrices.F64_TIGHT);
        assertEquals(0, SpectralMetrics.effectiveRank(new double[] {0, 0}));
        assertEquals(0, SpectralMetrics.stableRank(new double[] {0, 0}));
        // through the SVD of a built matrix
        double[] sv = Svd.values(TestMatrices.withSingularValues(new Random(9), 6, 4, new double[] {3, 1, 0, 0}), 6, 4);
        assertEquals(Math.exp(h), SpectralMetrics.effectiveRank(sv), 1e-10);
        assertEquals(10.0 / 9.0, SpectralMetrics.stableRank(sv), 1e-10);
    }

    @Test
    void thinSvdRebuildsTheMatrix() {
        int m = 5;
        int n = 8;
        double[] a = TestMatrices.gaussian(new Random(4), m * n, 1);
        Svd.Full f = Svd.thin(a, m, n);
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double v = 0;
                for (int t = 0; t < f.k; t++) {
                    v += f.u[t * m + i] * f.s[t] * f.vt[j * f.k + t];
                }
                assertEquals(a[j * m + i], v, TestMatrices.F64_LOOSE, "entry (" + i + "," + j + ")");
            }
        }
    }

    @Test
    void toleranceParsing() {
        assertEquals("numpy", Tolerance.parse("t", "numpy").toString());
        assertEquals("rel:1e-3", Tolerance.parse("t", "rel:1e-3").toString());
        assertEquals("rel:1e-3", Tolerance.rel(1e-3).toString());
        assertEquals(Tolerance.rel(1e-3), Tolerance.parse("t", "REL:0.001"));
        assertEquals("abs:1e-8", Tolerance.parse("t", "abs:1e-8").toString());
        ConfigException e = assertThrows(ConfigException.class, () -> Tolerance.parse("rank.tolerances[1]", "rel:-1"));
        assertTrue(e.getMessage().contains("rank.tolerances[1]") && e.getMessage().contains("rel:-1"), e.getMessage());
        assertThrows(ConfigException.class, () -> Tolerance.parse("t", "relative:0.1"));
        assertThrows(ConfigException.class, () -> Tolerance.parse("t", "rel:2"));
        assertThrows(ConfigException.class, () -> Tolerance.parse("t", "abs:x"));
    }

    private static double[] identity(int n) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = 1;
        }
        return a;
    }
}
