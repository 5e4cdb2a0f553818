package org.ranksweep.trainer.linalg;

import dev.ludovic.netlib.lapack.LAPACK;
import org.netlib.util.intW;

/**
 * Singular value decompositions through LAPACK's divide-and-conquer {@code dgesdd}; the values of a tall
 * matrix through dgesdd's own steps with a fully blocked QR ({@link #values}). Matrices are column-major
 * {@code double[]} with leading dimension = rows. Inputs are never modified (they are copied first).
 */
public final class Svd {
    /**
     * Each thread's copy of the input and LAPACK workspace for {@link #values}, kept between calls: a run's
     * checkpoints take SVDs of the same shapes, and allocating them anew (Figure 1's R: a 2 MB copy and
     * its zeroing, the workspace query, the workspace) added about 2.5 ms to a 14 ms SVD.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Matrices larger than this (doubles: 8 MiB, a 1000 x 1000 data matrix) get a copy of their own rather
     * than growing a thread's scratch, which lives as long as the thread (a Spark executor's task threads).
     */
    static final int SCRATCH_MAX = 1 << 20;

    private static final class Scratch {
        double[] a = new double[0];
        double[] work = new double[0];
        int[] iwork = new int[0];
        /** The triangle, the reflectors' scalars, the bidiagonal and workspace of {@link #byParts}. */
        double[] parts = new double[0];
        /** The shape {@link #work}'s size was queried for. */
        int workM = -1;
        int workN = -1;
    }

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
        int len = m * n;
        Scratch scratch = len <= SCRATCH_MAX ? SCRATCH.get() : new Scratch();
        if (scratch.a.length < len) {
            scratch.a = new double[len];
        }
        double[] copy = scratch.a;
        // a wide matrix through its transpose: LAPACK then starts with a QR instead of an LQ
        // factorisation, which OpenBLAS runs faster (250 x 1000: 13 ms against 16)
        int rows = Math.max(m, n);
        int cols = k;
        if (m < n) {
            Transpose.into(a, m, n, copy);
        } else {
            System.arraycopy(a, 0, copy, 0, len);
        }
        LAPACK lapack = NativeLinalg.lapack();
        intW info = new intW(0);
        if (rows >= BY_PARTS_RATIO * cols && cols >= BY_PARTS_MIN_COLS && safeRange(copy, len)) {
            if (byParts(lapack, copy, rows, cols, s, scratch)) {
                return s;
            }
            // dqds did not converge: dgesdd, from the input again
            if (m < n) {
                Transpose.into(a, m, n, copy);
            } else {
                System.arraycopy(a, 0, copy, 0, len);
            }
        }
        if (scratch.iwork.length < 8 * k) {
            scratch.iwork = new int[8 * k];
        }
        if (scratch.workM != rows || scratch.workN != cols) {
            double[] query = new double[1];
            lapack.dgesdd("N", rows, cols, copy, rows, s, query, 1, query, 1, query, -1, scratch.iwork, info);
            if (info.val != 0) {
                throw new ArithmeticException("dgesdd workspace query failed, info=" + info.val);
            }
            int need = Math.max(1, (int) query[0]);
            if (scratch.work.length < need) {
                scratch.work = new double[need];
            }
            scratch.workM = rows;
            scratch.workN = cols;
        }
        double[] none = new double[1];
        lapack.dgesdd("N", rows, cols, copy, rows, s, none, 1, none, 1, scratch.work, scratch.work.length,
                scratch.iwork, info);
        if (info.val != 0) {
            throw new ArithmeticException("dgesdd did not converge for a " + m + "x" + n + " matrix, info=" + info.val);
        }
        return s;
    }

    /** A tall matrix (rows at least this many times its columns) has its values taken {@link #byParts}. */
    static final int BY_PARTS_RATIO = 2;
    /** ... and at least this many columns (below, the panels are the whole matrix and dgesdd is as fast). */
    static final int BY_PARTS_MIN_COLS = 64;
    /** Columns of a panel of the blocked QR (LAPACK's own block size for dgeqrf). */
    private static final int QR_BLOCK = 32;
    /** Largest entries outside [1 / this, this] go to dgesdd, which scales them (its range is about 1e138). */
    private static final double SAFE_MAGNITUDE = 1e120;

    /** Whether the first len entries are finite, not all zero, and within dgesdd's unscaled range. */
    private static boolean safeRange(double[] a, int len) {
        double max = 0;
        for (int i = 0; i < len; i++) {
            double v = Math.abs(a[i]);
            if (!(v <= max)) {
                max = v; // also takes NaN, which then fails the test below
            }
        }
        return max >= 1 / SAFE_MAGNITUDE && max <= SAFE_MAGNITUDE;
    }

    /**
     * The values of a tall rows x cols matrix (in {@code a}, overwritten) into {@code s}, by the steps dgesdd takes
     * for it (a QR factorisation, the bidiagonalisation of its triangle, dqds on the bidiagonal: {@code dlasq1}),
     * with the QR blocked to its last column. dgesdd's dgeqrf switches to unblocked, level-2 code for the last 128
     * columns: on Figure 1's R (1000 x 250, one thread) its QR takes 4.4 ms where the blocked one takes 3.7, and
     * {@link #values} 8.0 ms instead of 9.1 (7.0 against 8.1 at full rank). Returns false (and {@code s} is to be
     * ignored) if dgebrd fails or dqds does not converge, for dgesdd to try.
     */
    private static boolean byParts(LAPACK lapack, double[] a, int rows, int cols, double[] s, Scratch scratch) {
        int nb = QR_BLOCK;
        int need = cols * cols + 3 * cols + nb * nb + Math.max(cols * nb, 4 * cols) + 2 * cols * 64;
        if (scratch.parts.length < need) {
            scratch.parts = new double[need];
        }
        double[] w = scratch.parts;
        int tri = 0;
        int tau = tri + cols * cols;
        int e = tau + cols;
        int taup = e + cols;
        int t = taup + cols;
        int work = t + nb * nb;
        int lwork = w.length - work;
        intW info = new intW(0);
        for (int j = 0; j < cols; j += nb) {
            int jb = Math.min(nb, cols - j);
            lapack.dgeqr2(rows - j, jb, a, j + j * rows, rows, w, tau + j, w, work, info);
            if (j + jb < cols) {
                lapack.dlarft("F", "C", rows - j, jb, a, j + j * rows, rows, w, tau + j, w, t, nb);
                lapack.dlarfb("L", "T", "F", "C", rows - j, cols - j - jb, jb, a, j + j * rows, rows, w, t, nb,
                        a, j + (j + jb) * rows, rows, w, work, cols - j - jb);
            }
        }
        for (int c = 0; c < cols; c++) {
            System.arraycopy(a, c * rows, w, tri + c * cols, c + 1);
            java.util.Arrays.fill(w, tri + c * cols + c + 1, tri + (c + 1) * cols, 0.0);
        }
        // tauq goes where tau was: the QR's reflectors are no longer needed
        lapack.dgebrd(cols, cols, w, tri, cols, s, 0, w, e, w, tau, w, taup, w, work, lwork, info);
        if (info.val != 0) {
            return false;
        }
        lapack.dlasq1(cols, s, 0, w, e, w, work, info);
        return info.val == 0;
    }

    /** {@link #byParts} alone on a copy of the tall m x n matrix {@code a}: its values, or null if dqds failed (tests). */
    static double[] valuesByParts(double[] a, int m, int n) {
        double[] s = new double[n];
        return byParts(NativeLinalg.lapack(), a.clone(), m, n, s, new Scratch()) ? s : null;
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
