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
 */
public final class LayerRanks {
    /** Multiple of max(m, n) * eps * lambda_max treated as the Gram eigenvalues' possible error. */
    public static final double GRAM_ERROR_FACTOR = 16;
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
        for (int t = 0; t < tolerances.length; t++) {
            double tau = tolerances[t].threshold(smax, m, n, eps);
            double tau2 = tau * tau;
            double margin = bound + 4 * tau2 * (bound / lmax);
            int r = 0;
            for (double l : w) {
                if (Math.abs(l - tau2) <= margin) {
                    return null;
                }
                if (l > tau2) {
                    r++;
                }
            }
            out[t] = r;
        }
        return out;
    }
}
