package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.ludovic.netlib.lapack.LAPACK;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.netlib.util.intW;

/** {@link Svd#values} against matrices of known singular values, and its tall path against LAPACK's dgesdd. */
class SvdTest {
    /** Backward-stable SVDs: every value within this multiple of sigma_max (about max(m, n) eps, with room). */
    private static final double VALUE_TOL = 1e-12;

    /** U diag(s) V^T, m x n (m &gt;= n = s.length), singular values s to rounding ({@link BlasCheck#withSingularValues}). */
    private static double[] known(double[] s, int m, SplittableRandom rnd) {
        return BlasCheck.withSingularValues(s, m, 4, rnd);
    }

    /** Figure 1's R at a low-rank checkpoint: 10 values from 3 to 0.1, the rest at rounding level. */
    private static double[] lowRank(int n, SplittableRandom rnd) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = i < 10 ? 3 * Math.pow(30, -i / 9.0) : 1e-15 * rnd.nextDouble();
        }
        java.util.Arrays.sort(s);
        reverse(s);
        return s;
    }

    private static void reverse(double[] s) {
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
    }

    private static double[] graded(int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.pow(10, -8.0 * i / (n - 1));
        }
        return s;
    }

    private static void assertValues(double[] want, double[] got, String what) {
        assertNotNull(got, what);
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], VALUE_TOL * want[0], what + ": value " + i);
        }
    }

    @Test
    void tallMatricesGetTheirKnownValuesThroughTheBlockedQr() {
        SplittableRandom rnd = new SplittableRandom(11);
        int[][] shapes = {{1000, 250}, {300, 140}, {130, 64}, {257, 100}};
        for (int[] sh : shapes) {
            for (double[] s : new double[][] {lowRank(sh[1], rnd), graded(sh[1])}) {
                double[] a = known(s, sh[0], rnd);
                String what = sh[0] + " x " + sh[1];
                assertValues(s, Svd.valuesByParts(a, sh[0], sh[1]), what + " by parts");
                assertValues(s, Svd.values(a, sh[0], sh[1]), what);
            }
        }
    }

    @Test
    void wideMatricesGoThroughTheirTranspose() {
        SplittableRandom rnd = new SplittableRandom(12);
        double[] s = graded(120);
        int m = 120;
        int n = 400;
        double[] t = known(s, n, rnd); // n x m
        double[] a = new double[m * n];
        Transpose.into(t, n, m, a);
        double[] before = a.clone();
        assertValues(s, Svd.values(a, m, n), "120 x 400");
        assertArrayEquals(before, a, "input untouched");
    }

    @Test
    void theTallPathAgreesWithDgesddOnGaussianMatrices() {
        SplittableRandom rnd = new SplittableRandom(13);
        LAPACK lapack = NativeLinalg.lapack();
        for (int[] sh : new int[][] {{1000, 250}, {500, 250}, {200, 70}}) {
            int m = sh[0];
            int n = sh[1];
            double[] a = BlasCheck.gaussians(rnd, m * n);
            double[] got = Svd.values(a, m, n);
            double[] copy = a.clone();
            double[] want = new double[n];
            double[] query = new double[1];
            int[] iwork = new int[8 * n];
            intW info = new intW(0);
            lapack.dgesdd("N", m, n, copy, m, want, query, 1, query, 1, query, -1, iwork, info);
            double[] work = new double[(int) query[0]];
            lapack.dgesdd("N", m, n, copy, m, want, query, 1, query, 1, work, work.length, iwork, info);
            assertEquals(0, info.val);
            assertValues(want, got, m + " x " + n + " against dgesdd");
        }
    }

    @Test
    void entriesOutsideTheUnscaledRangeGoToDgesdd() {
        SplittableRandom rnd = new SplittableRandom(14);
        double[] s = graded(100);
        for (double scale : new double[] {1e-150, 1e150}) {
            double[] scaled = s.clone();
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] *= scale;
            }
            double[] a = known(scaled, 300, rnd);
            assertValues(scaled, Svd.values(a, 300, 100), "scale " + scale);
        }
        double[] zero = Svd.values(new double[300 * 100], 300, 100);
        assertArrayEquals(new double[100], zero, "a zero matrix");
    }
}
