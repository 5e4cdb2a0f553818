package org.ranksweep.trainer.linalg;

import dev.ludovic.netlib.lapack.LAPACK;
import org.netlib.util.intW;

/**
 * Singular value decompositions through LAPACK's divide-and-conquer {@code dgesdd}. Matrices are
 * column-major {@code double[]} with leading dimension = rows. Inputs are never modified (they are
 * copied first).
 */
public final class Svd {
    private Svd() {
    }

    /**
     * All min(m, n) singular values of the m x n matrix {@code a}, descending.
     *
     * @param a input, column-major, length m*n, not modified
     */
    public static double[] values(double[] a, int m, int n) {
        checkShape(a, m, n);
        int k = Math.min(m, n);
        double[] s = new double[k];
        if (k == 0) {
            return s;
        }
        if (m < n) {
            // a wide matrix through its transpose: LAPACK then starts with a QR instead of an LQ
            // factorisation, which OpenBLAS runs faster (250 x 1000: 13 ms against 16)
            gesdd("N", transpose(a, m, n), n, m, s, new double[1], 1, new double[1], 1);
        } else {
            gesdd("N", a.clone(), m, n, s, new double[1], 1, new double[1], 1);
        }
        return s;
    }

    /** The n x m transpose of the m x n column-major {@code a}, in 32 x 32 blocks. */
    static double[] transpose(double[] a, int m, int n) {
        double[] t = new double[m * n];
        for (int j0 = 0; j0 < n; j0 += 32) {
            int j1 = Math.min(n, j0 + 32);
            for (int i0 = 0; i0 < m; i0 += 32) {
                int i1 = Math.min(m, i0 + 32);
                for (int j = j0; j < j1; j++) {
                    for (int i = i0; i < i1; i++) {
                        t[i * n + j] = a[j * m + i];
                    }
                }
            }
        }
        return t;
    }

    /** Thin SVD A = U diag(s) V^T: U is m x k, s has k values (descending), VT is k x n, k = min(m, n). */
    public static final class Full {
        public final double[] u;
        public final double[] s;
        public final double[] vt;
        public final int m;
        public final int n;
        public final int k;

        Full(double[] u, double[] s, double[] vt, int m, int n) {
            this.u = u;
            this.s = s;
            this.vt = vt;
            this.m = m;
            this.n = n;
            this.k = Math.min(m, n);
        }
    }

    /** Thin SVD of the m x n matrix {@code a} (input not modified). */
    public static Full thin(double[] a, int m, int n) {
        checkShape(a, m, n);
        int k = Math.min(m, n);
        double[] s = new double[k];
        double[] u = new double[Math.max(1, m * k)];
        double[] vt = new double[Math.max(1, k * n)];
        if (k > 0) {
            gesdd("S", a.clone(), m, n, s, u, Math.max(1, m), vt, Math.max(1, k));
        }
        return new Full(u, s, vt, m, n);
    }

    private static void gesdd(String jobz, double[] a, int m, int n, double[] s,
            double[] u, int ldu, double[] vt, int ldvt) {
        LAPACK lapack = NativeLinalg.lapack();
        int k = Math.min(m, n);
        int[] iwork = new int[8 * k];
        intW info = new intW(0);
        double[] query = new double[1];
        lapack.dgesdd(jobz, m, n, a, Math.max(1, m), s, u, ldu, vt, ldvt, query, -1, iwork, info);
        if (info.val != 0) {
            throw new ArithmeticException("dgesdd workspace query failed, info=" + info.val);
        }
        double[] work = new double[Math.max(1, (int) query[0])];
        lapack.dgesdd(jobz, m, n, a, Math.max(1, m), s, u, ldu, vt, ldvt, work, work.length, iwork, info);
        if (info.val != 0) {
            throw new ArithmeticException("dgesdd did not converge for a " + m + "x" + n
                    + " matrix, info=" + info.val);
        }
    }

    private static void checkShape(double[] a, int m, int n) {
        if (m < 0 || n < 0 || a.length < (long) m * n) {
            throw new IllegalArgumentException("matrix of " + a.length + " values cannot be " + m + "x" + n);
        }
    }

    /**
     * FLOPs of a values-only SVD of a rows x cols matrix (k &lt;= l its sides): with l &gt;= 1.6 k LAPACK first
     * reduces it by QR/LQ, 2 k^2 l - 2 k^3 / 3, then bidiagonalises the k x k factor, 8 k^3 / 3; otherwise
     * it bidiagonalises directly, 4 k^2 l - 4 k^3 / 3. The iterations on the bidiagonal are O(k^2), left out.
     */
    public static double valuesFlops(int rows, int cols) {
        double k = Math.min(rows, cols);
        double l = Math.max(rows, cols);
        if (l >= 1.6 * k) {
            return 2 * k * k * l - 2 * k * k * k / 3 + 8 * k * k * k / 3;
        }
        return 4 * k * k * l - 4 * k * k * k / 3;
    }
}
