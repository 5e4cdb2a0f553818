package org.ranksweep.trainer.linalg;

import dev.ludovic.netlib.lapack.LAPACK;
import org.netlib.util.intW;

/**
 * Ranks of one weight matrix at each tolerance, checkpoint after checkpoint, as cheaply as exactness
 * allows.
 *
 * <p>The eigenvalues lambda_i of the k x k Gram matrix (A A^T or A^T A, k = min(m, n)) are the squared
 * singular values, and cost about a third of an SVD (one BLAS-3 {@code dsyrk} and a values-only
 * {@code dsyevd}), but only to an absolute accuracy of about max(m, n) eps lambda_max. So each
 * tolerance's decision lambda_i &gt; tau^2 is taken from the Gram matrix only when every lambda_i is
 * further than {@link #GRAM_ERROR_FACTOR} times that from tau^2; otherwise the ranks come from the
 * singular values of {@link Svd#values} (LAPACK gesdd). The ranks are therefore those of the SVD in every
 * case; the Gram path is a shortcut for matrices whose spectrum is well separated from the thresholds,
 * as full-rank noisy weights are. A matrix that needed the SVD once goes straight to it next time,
 * until a checkpoint shows its spectrum well separated again.
 *
 * <p>Rank-deficient weights (gradient descent from a low-rank start) have a tail of singular values at
 * rounding level, which the Gram eigenvalues cannot place against thresholds as small as numpy's. When
 * the eigenvalues split into r clearly above every such threshold and the rest at the Gram's noise
 * level, the tail is bounded instead (see {@link #tailBound}): by Eckart-Young, sigma_(r+1)(A) is at most
 * ||A - U_r (U_r^T A)||_F for the top r eigenvectors U_r (any rank-r correction gives a bound), plus the
 * rounding of that difference, bounded from the norms. A tolerance whose threshold is more than
 * {@link #TAIL_MARGIN} times that bound gets rank r; otherwise the SVD decides. The bound costs a partial
 * eigensolve and two thin GEMMs, about a third of the SVD.
 */
public final class LayerRanks {
    /** Multiple of max(m, n) * eps * lambda_max treated as the Gram eigenvalues' possible error. */
    public static final double GRAM_ERROR_FACTOR = 16;
    /** A threshold must exceed the tail bound by this factor (room for the SVD's own rounding) to be decided by it. */
    public static final double TAIL_MARGIN = 2;
    /** The tail bound is tried only when at most this share of the eigenvalues stands above the noise level. */
    private static final int TAIL_MAX_SHARE = 4;
    /** Below this size the SVD is as cheap as the Gram matrix. */
    private static final int MIN_GRAM_SIZE = 64;

    private boolean gramWorked = true;
    private int sinceFallback;
    private long gramDecisions;
    private long svdDecisions;

    /** Ranks of the m x n matrix {@code a} (column-major, not modified) at each tolerance. */
    public int[] ranks(double[] a, int m, int n, Tolerance[] tolerances, double eps) {
        int k = Math.min(m, n);
        // retry the Gram path every 8 checkpoints after a fallback
        if (k >= MIN_GRAM_SIZE && (gramWorked || ++sinceFallback >= 8)) {
            int[] r = fromGram(a, m, n, tolerances, eps);
            gramWorked = r != null;
            sinceFallback = 0;
            if (r != null) {
                gramDecisions++;
                return r;
            }
        }
        svdDecisions++;
        return Tolerance.ranks(tolerances, Svd.values(a, m, n), m, n, eps);
    }

    /** How many decisions came from the Gram eigenvalues. */
    public long gramDecisions() {
        return gramDecisions;
    }

    /** How many decisions needed the SVD. */
    public long svdDecisions() {
        return svdDecisions;
    }

    /** Ranks from the Gram eigenvalues, or null when any decision is too close to call. */
    static int[] fromGram(double[] a, int m, int n, Tolerance[] tolerances, double eps) {
        int k = Math.min(m, n);
        double[] g = new double[k * k];
        if (m <= n) {
            NativeLinalg.blas().dsyrk("U", "N", m, n, 1.0, a, m, 0.0, g, k);
        } else {
            NativeLinalg.blas().dsyrk("U", "T", n, m, 1.0, a, m, 0.0, g, k);
        }
        double[] gram = g.clone();
        double[] w = new double[k];
        LAPACK lapack = NativeLinalg.lapack();
        intW info = new intW(0);
        double[] work = new double[1];
        int[] iwork = new int[1];
        lapack.dsyevd("N", "U", k, g, k, w, work, -1, iwork, -1, info);
        work = new double[Math.max(1, (int) work[0])];
        iwork = new int[Math.max(1, iwork[0])];
        lapack.dsyevd("N", "U", k, g, k, w, work, work.length, iwork, iwork.length, info);
        if (info.val != 0) {
            return null;
        }
        double lmax = w[k - 1];
        int[] out = new int[tolerances.length];
        if (!(lmax > 0)) {
            return lmax == 0 ? out : null;
        }
        double bound = GRAM_ERROR_FACTOR * Math.max(m, n) * 0x1p-52 * lmax;
        double smax = Math.sqrt(lmax);
        // eigenvalues clearly above the Gram's noise level: the candidates for a rank-r split
        double noise = 4 * bound;
        int above = 0;
        for (double l : w) {
            if (l > noise) {
                above++;
            }
        }
        double tail = Double.NaN;
        for (int t = 0; t < tolerances.length; t++) {
            double tau = tolerances[t].threshold(smax, m, n, eps);
            double tau2 = tau * tau;
            double margin = bound + 4 * tau2 * (bound / lmax);
            int r = 0;
            boolean close = false;
            for (double l : w) {
                close |= Math.abs(l - tau2) <= margin;
                if (l > tau2) {
                    r++;
                }
            }
            if (!close) {
                out[t] = r;
                continue;
            }
            // too close to call from the eigenvalues: only a threshold under the noise level, with the
            // r = above eigenvalues clearly over it, may be decided by bounding the tail
            boolean split = tau2 <= noise && above > 0 && w[k - above] > tau2 + margin && above * TAIL_MAX_SHARE <= k;
            if (!split) {
                return null;
            }
            if (Double.isNaN(tail)) {
                tail = tailBound(a, m, n, gram, above);
            }
            if (!(TAIL_MARGIN * tail < tau)) {
                return null;
            }
            out[t] = above;
        }
        return out;
    }

    /**
     * An upper bound on sigma_(r+1) of the m x n matrix {@code a}, given its Gram matrix (upper triangle,
     * k x k, k = min(m, n)): ||A - U_r U_r^T A||_F with U_r the Gram's top r eigenvectors (computed
     * from A A^T or A^T A, so the product is on the matching side), plus a bound on the rounding of that
     * difference, (r + 2) u (||A||_F + ||U_r||_F ||U_r^T A||_F). NaN when the eigensolver fails.
     */
    static double tailBound(double[] a, int m, int n, double[] gram, int r) {
        int k = Math.min(m, n);
        LAPACK lapack = NativeLinalg.lapack();
        dev.ludovic.netlib.blas.BLAS blas = NativeLinalg.blas();
        double[] u = new double[k * r];
        double[] w = new double[k];
        int[] isuppz = new int[2 * k];
        intW found = new intW(0);
        intW info = new intW(0);
        double[] work = new double[1];
        int[] iwork = new int[1];
        lapack.dsyevr("V", "I", "U", k, gram, k, 0, 0, k - r + 1, k, 0, found, w, u, k, isuppz, work, -1, iwork, -1,
                info);
        work = new double[Math.max(1, (int) work[0])];
        iwork = new int[Math.max(1, iwork[0])];
        lapack.dsyevr("V", "I", "U", k, gram, k, 0, 0, k - r + 1, k, 0, found, w, u, k, isuppz, work, work.length,
                iwork, iwork.length, info);
        if (info.val != 0 || found.val != r) {
            return Double.NaN;
        }
        double[] rest = a.clone();
        double[] b;
        if (m <= n) {
            b = new double[r * n]; // U^T A, then A - U (U^T A)
            blas.dgemm("T", "N", r, n, m, 1.0, u, m, a, m, 0.0, b, r);
            blas.dgemm("N", "N", m, n, r, -1.0, u, m, b, r, 1.0, rest, m);
        } else {
            b = new double[m * r]; // A U, then A - (A U) U^T
            blas.dgemm("N", "N", m, r, n, 1.0, a, m, u, n, 0.0, b, m);
            blas.dgemm("N", "T", m, n, r, -1.0, b, m, u, n, 1.0, rest, m);
        }
        double rounding = (r + 2) * 0x1p-52 * (norm(a) + norm(u) * norm(b));
        return norm(rest) * (1 + 0x1p-50) + rounding;
    }

    private static double norm(double[] a) {
        return NativeLinalg.blas().dnrm2(a.length, a, 1);
    }
}
