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
 *
 * <p>A matrix whose ranks were all small at the last checkpoint, and every matrix at its first, is first
 * tried by a sketch ({@link #fromSketch}): Q, an orthonormal basis of A times p = (last rank +
 * {@link #OVERSAMPLE}, or {@link #FIRST_SKETCH} the first time) fixed Gaussian vectors, and B = Q^T A. The
 * singular values of the small p x n matrix B bound those of A from below (projecting cannot raise a
 * singular value), less the rounding of the product and of B's SVD, bounded from the norms; they give each
 * tolerance its candidate rank r. The tail is bounded as above, by the residual of a rank-r matrix, here Q
 * W_r W_r^T B with W_r the top eigenvectors of B B^T. A tolerance is decided when sigma_r's lower bound
 * clears its threshold by more than an SVD's rounding and the tail bound lies under it by
 * {@link #TAIL_MARGIN}; otherwise the Gram path above runs as before. A few thin GEMMs: for a rank-10
 * layer of 500 x 1000, milliseconds instead of some 60.
 *
 * <p>A matrix whose last decision was full rank at every tolerance is first tried by a certificate
 * ({@link #certifiedFullRank}): a Cholesky factorisation of its Gram matrix less s I, with s the largest
 * threshold squared (taken at an upper bound on sigma_max), widened by the SVD's rounding, plus bounds on
 * the rounding of the Gram matrix, of the shift and of the factorisation. If it runs to completion, every
 * singular value clears every threshold by more than an SVD's error, so every rank is k. A k^3/3
 * factorisation instead of the eigensolve: for a noisy 500 x 1000 layer about 10 ms instead of 24.
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
    /** Multiple of max(m, n) u sigma_max by which a singular value must clear a threshold to count in a sketch. */
    private static final double SVD_ROUNDING = 64;
    /** Sketch columns beyond the last checkpoint's largest rank: room for the rank to grow. */
    public static final int OVERSAMPLE = 8;
    /**
     * Sketch columns at a matrix's first checkpoint, when its rank is not known yet: a low-rank start (the
     * study's rank-10 Figure-1 layers) is decided by the sketch instead of the Gram eigensolve, about 1 ms
     * instead of 30 for a 1000 x 500 layer; a full-rank one costs a failed sketch, then goes on as before.
     */
    static final int FIRST_SKETCH = 3 * OVERSAMPLE;
    /** The sketch's Gaussian vectors come from this seed: the same matrix always gets the same decision. */
    private static final long SKETCH_SEED = 0x5eedL;
    /** Entries of A's residual computed at a time by {@link Sketch#tailBound} (256 KB: in a core's L2 cache). */
    private static final int RESIDUAL_BLOCK = 1 << 15;

    private boolean gramWorked = true;
    /** The largest rank of the last decision; -1 before the first. */
    private int lastRank = -1;
    /** The smallest rank of the last decision; -1 before the first. */
    private int lastLeastRank = -1;
    private long sketchDecisions;
    /** FLOPs of the work done so far (GEMMs, factorisations and SVDs, counted from their shapes). */
    private double flops;
    private int sinceFallback;
    private long gramDecisions;
    private long svdDecisions;
    private long choleskyDecisions;
    /** The sketch's Gaussian vectors as last drawn (n rows, at least p columns: {@link #omega}). */
    private double[] omega = new double[0];
    private int omegaRows;
    /** The Gram matrix and its shifted factorisation of the last certificate, reused at the next. */
    private double[] gramBuffer = new double[0];
    private double[] shiftedBuffer = new double[0];
    /** The sketches' arrays, reused from one checkpoint to the next. */
    private final Work work = new Work();

    /** Ranks of the m x n matrix {@code a} (column-major, not modified) at each tolerance. */
    public int[] ranks(double[] a, int m, int n, Tolerance[] tolerances, double eps) {
        int[] r = decide(a, m, n, tolerances, eps);
        lastRank = 0;
        lastLeastRank = Integer.MAX_VALUE;
        for (int x : r) {
            lastRank = Math.max(lastRank, x);
            lastLeastRank = Math.min(lastLeastRank, x);
        }
        return r;
    }

    private int[] decide(double[] a, int m, int n, Tolerance[] tolerances, double eps) {
        int k = Math.min(m, n);
        int p = lastRank >= 0 ? lastRank + OVERSAMPLE : FIRST_SKETCH;
        if (k >= MIN_GRAM_SIZE && p * TAIL_MAX_SHARE <= k) {
            double[] cost = new double[1];
            int[] r = fromSketch(a, m, n, p, omega(n, p), tolerances, eps, cost, work);
            flops += cost[0];
            if (r != null) {
                sketchDecisions++;
                return r;
            }
        }
        double[] gram = null;
        // full rank at every tolerance last time (only then can the certificate hold)
        if (k >= MIN_GRAM_SIZE && lastLeastRank == k) {
            if (gramBuffer.length < k * k) {
                gramBuffer = new double[k * k];
                shiftedBuffer = new double[k * k];
            }
            gram = gram(a, m, n, gramBuffer);
            flops += (double) k * k * Math.max(m, n) + (double) k * k * k / 3;
            if (certifiedFullRank(gram, m, n, tolerances, eps, shiftedBuffer)) {
                choleskyDecisions++;
                int[] r = new int[tolerances.length];
                java.util.Arrays.fill(r, k);
                return r;
            }
        }
        // retry the Gram path every 8 checkpoints after a fallback
        if (k >= MIN_GRAM_SIZE && (gramWorked || ++sinceFallback >= 8)) {
            double[] cost = new double[1];
            int[] r;
            if (gram == null) {
                r = fromGram(a, m, n, tolerances, eps, cost);
            } else {
                r = fromGram(a, m, n, gram, tolerances, eps, cost); // its Gram matrix counted above
            }
            flops += cost[0];
            gramWorked = r != null;
            sinceFallback = 0;
            if (r != null) {
                gramDecisions++;
                return r;
            }
        }
        svdDecisions++;
        flops += Svd.valuesFlops(m, n);
        return Tolerance.ranks(tolerances, Svd.values(a, m, n), m, n, eps);
    }

    /** FLOPs of every decision so far, counted from the shapes of what each did (including attempts that gave way). */
    public double flops() {
        return flops;
    }

    /** How many decisions came from a sketch. */
    public long sketchDecisions() {
        return sketchDecisions;
    }

    /** How many decisions came from the Gram eigenvalues. */
    public long gramDecisions() {
        return gramDecisions;
    }

    /** How many decisions came from a Cholesky certificate of full rank. */
    public long choleskyDecisions() {
        return choleskyDecisions;
    }

    /** How many decisions needed the SVD. */
    public long svdDecisions() {
        return svdDecisions;
    }

    /** Ranks from the Gram eigenvalues, or null when any decision is too close to call. */
    static int[] fromGram(double[] a, int m, int n, Tolerance[] tolerances, double eps) {
        return fromGram(a, m, n, tolerances, eps, new double[1]);
    }

    /** As {@link #fromGram(double[], int, int, Tolerance[], double)}, adding its FLOPs to {@code cost[0]}. */
    static int[] fromGram(double[] a, int m, int n, Tolerance[] tolerances, double eps, double[] cost) {
        int k = Math.min(m, n);
        cost[0] += (double) k * k * Math.max(m, n); // dsyrk
        return fromGram(a, m, n, gram(a, m, n), tolerances, eps, cost);
    }

    /** The upper triangle of A A^T (m &lt;= n) or A^T A, k x k with k = min(m, n), by {@code dsyrk}. */
    static double[] gram(double[] a, int m, int n) {
        int k = Math.min(m, n);
        return gram(a, m, n, new double[k * k]);
    }

    /** As {@link #gram(double[], int, int)}, into the first k^2 entries of {@code g} (its upper triangle). */
    private static double[] gram(double[] a, int m, int n, double[] g) {
        int k = Math.min(m, n);
        if (m <= n) {
            NativeLinalg.blas().dsyrk("U", "N", m, n, 1.0, a, m, 0.0, g, k);
        } else {
            NativeLinalg.blas().dsyrk("U", "T", n, m, 1.0, a, m, 0.0, g, k);
        }
        return g;
    }

    /**
     * As {@link #fromGram(double[], int, int, Tolerance[], double, double[])}, given the Gram matrix
     * {@link #gram} (which the tail bound may overwrite); {@code cost} gets all but the Gram matrix's FLOPs.
     */
    static int[] fromGram(double[] a, int m, int n, double[] gram, Tolerance[] tolerances, double eps, double[] cost) {
        int k = Math.min(m, n);
        // the values-only eigensolve's tridiagonalisation 4 k^3 / 3
        cost[0] += 4.0 * k * k * k / 3;
        double[] g = gram.clone();
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
                // a second tridiagonalisation with r eigenvectors, then two k x l x r GEMMs
                cost[0] += 4.0 * k * k * k / 3 + 2.0 * k * k * above + 2 * 2.0 * k * Math.max(m, n) * above;
            }
            if (!(TAIL_MARGIN * tail < tau)) {
                return null;
            }
            out[t] = above;
        }
        return out;
    }

    /**
     * Whether the m x n matrix whose computed Gram matrix is {@code gram} ({@link #gram}: upper triangle,
     * k x k) certainly has every rank k: every singular value above every tolerance's threshold by more
     * than an SVD's rounding, so that the SVD would find them all above too.
     *
     * <p>With u the unit roundoff, l = max(m, n) and gamma(j) = j u / (1 - j u):
     * <ul>
     * <li>||A||_F^2 &lt;= F, from the computed trace (each diagonal entry a sum of l squares, the trace a
     *     sum of k).</li>
     * <li>sigma_max &lt;= sqrt(F), and an SVD's singular values are within delta = {@link #SVD_ROUNDING} l u
     *     sqrt(F) of the true ones. So the thresholds the SVD's ranks use (grown from its own sigma_max)
     *     are at most their values at sqrt(F) + 2 delta; tau_max is the largest of those. The target:
     *     lambda_min(A A^T) &gt; T = (tau_max + delta)^2.</li>
     * <li>The computed Gram matrix G = A A^T + E1 with |E1| &lt;= gamma(l) |A| |A|^T, so ||E1||_2 &lt;=
     *     gamma(l) F.</li>
     * <li>H = fl(G - s I) = G - s I + D with |d_ii| &lt;= u (g_ii + s).</li>
     * <li>If Cholesky runs to completion on H, H + E2 = R^T R is positive definite with |E2| &lt;=
     *     gamma(c) |R^T| |R| (Higham, Theorem 10.3; c = k + 1 unblocked, taken as 2k + 4 for blocked code that
     *     multiplies by inverted pivots), so ||E2||_2 &lt;= gamma(c) / (1 - gamma(c)) tr(H).</li>
     * </ul>
     * Then lambda_min(A A^T) &gt; s - u (max g_ii + s) - gamma(c) tr(H) / (1 - gamma(c)) - gamma(l) F, and s
     * is chosen, with every rounding term doubled, to make that at least T.
     */
    static boolean certifiedFullRank(double[] gram, int m, int n, Tolerance[] tolerances, double eps) {
        int k = Math.min(m, n);
        return certifiedFullRank(gram, m, n, tolerances, eps, new double[k * k]);
    }

    /** As {@link #certifiedFullRank(double[], int, int, Tolerance[], double)}, factoring in {@code h} (k^2 or more). */
    private static boolean certifiedFullRank(double[] gram, int m, int n, Tolerance[] tolerances, double eps,
            double[] h) {
        int k = Math.min(m, n);
        int l = Math.max(m, n);
        double u = 0x1p-53;
        double trace = 0;
        double maxDiag = 0;
        double minDiag = Double.POSITIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            double d = gram[i * k + i];
            if (!(d > 0) || !Double.isFinite(d)) {
                return false;
            }
            trace += d;
            maxDiag = Math.max(maxDiag, d);
            minDiag = Math.min(minDiag, d);
        }
        double f = trace * (1 + 2 * gamma(l + k + 2, u));
        double smax = Math.sqrt(f) * (1 + 4 * u);
        double delta = SVD_ROUNDING * l * u * smax;
        // the SVD's thresholds follow its own sigma_max, which may exceed the true one by delta
        double tau = 0;
        for (Tolerance t : tolerances) {
            tau = Math.max(tau, t.threshold(smax + 2 * delta, m, n, eps));
        }
        double target = (tau + delta) * (tau + delta) * (1 + 8 * u);
        double gc = gamma(2 * k + 4, u);
        double slack = 2 * (u * maxDiag + gc / (1 - gc) * trace * (1 + u) + gamma(l, u) * f);
        double s = (target + slack) / (1 - 2 * u) * (1 + 16 * u);
        if (!(s < minDiag)) {
            return false; // a diagonal entry at or under s: the factorisation cannot succeed
        }
        System.arraycopy(gram, 0, h, 0, k * k);
        for (int i = 0; i < k; i++) {
            h[i * k + i] -= s;
        }
        intW info = new intW(0);
        NativeLinalg.lapack().dpotrf("U", k, h, k, info);
        return info.val == 0;
    }

    private static double gamma(int j, double u) {
        return j * u / (1 - j * u);
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

    /**
     * Ranks from a p-column sketch of the m x n matrix {@code a} (see the class comment), or null when a
     * threshold cannot be placed clear of the singular values' bounds.
     */
    static int[] fromSketch(double[] a, int m, int n, int p, Tolerance[] tolerances, double eps) {
        return fromSketch(a, m, n, p, gaussians(n, p), tolerances, eps, new double[1], new Work());
    }

    /**
     * The sketch's n x p Gaussian matrix (column-major), drawn from {@link #SKETCH_SEED}: the first p columns
     * of any wider draw are the same, so one draw serves every sketch of at most its width.
     */
    static double[] gaussians(int n, int p) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(SKETCH_SEED);
        double[] omega = new double[n * p];
        for (int i = 0; i < omega.length; i++) {
            omega[i] = rnd.nextGaussian();
        }
        return omega;
    }

    /** {@link #gaussians}(n, p), or a wider draw kept from an earlier sketch of this matrix. */
    private double[] omega(int n, int p) {
        if (omegaRows != n || omega.length < n * p) {
            omega = gaussians(n, p);
            omegaRows = n;
        }
        return omega;
    }

    /**
     * As {@link #fromSketch(double[], int, int, int, Tolerance[], double)} with the Gaussian vectors given
     * ({@link #gaussians}(n, q) for some q &gt;= p), adding its FLOPs to {@code cost[0]}.
     */
    static int[] fromSketch(double[] a, int m, int n, int p, double[] omega, Tolerance[] tolerances, double eps,
            double[] cost, Work work) {
        // A Omega and Q^T A (2 m n p each), the QR and Q^T Q (about 5 m p^2), B B^T, B's SVD
        cost[0] += 2 * 2.0 * m * n * p + 5.0 * m * p * p + (double) p * p * n + Svd.valuesFlops(p, n);
        Sketch sk = Sketch.of(a, m, n, p, omega, work);
        if (sk == null) {
            return null;
        }
        double sigmaMaxHi = sk.aNorm * (1 + 0x1p-50); // sigma_1 <= ||A||_F
        int[] out = new int[tolerances.length];
        java.util.Map<Integer, Double> tails = new java.util.HashMap<>();
        for (int t = 0; t < tolerances.length; t++) {
            // the threshold follows sigma_max (relative tolerances), itself known within [lo_1, ||A||_F]
            double tauLo = tolerances[t].threshold(Math.max(0, sk.lo[0]), m, n, eps);
            double tauHi = tolerances[t].threshold(sigmaMaxHi, m, n, eps);
            // a singular value counts when its lower bound clears the threshold by more than an SVD's rounding
            double clear = tauHi + SVD_ROUNDING * Math.max(m, n) * 0x1p-53 * sigmaMaxHi;
            int r = 0;
            while (r < p && sk.lo[r] > clear) {
                r++;
            }
            if (r == p) {
                return null; // the rank may exceed the sketch
            }
            Double tail = tails.get(r);
            if (tail == null) {
                tail = sk.tailBound(r);
                tails.put(r, tail);
                cost[0] += r == 0 ? 0 : 2.0 * m * p * r + 2.0 * r * p * n + 2.0 * m * n * r; // Q W_r, W_r^T B, A - Q_r X
            }
            if (!(TAIL_MARGIN * tail < tauLo)) {
                return null;
            }
            out[t] = r;
        }
        return out;
    }

    /**
     * The arrays of a sketch and its tail bounds, grown as needed and reused from one decision to the next. A
     * Figure-1 run's sketches allocated about 26 MB in them, most of it memory the JVM had not touched yet,
     * which a virtual machine is slow to hand out: a profile put 134 ms a run in those allocations.
     */
    static final class Work {
        private double[] q = new double[0];
        private double[] tau = new double[0];
        private double[] lapack = new double[1];
        private int[] iwork = new int[1];
        private double[] gram = new double[0];
        private double[] b = new double[0];
        private double[] vectors = new double[0];
        private double[] values = new double[0];
        private double[] qr = new double[0];
        private double[] x = new double[0];
        private double[] rest = new double[0];

        private static double[] atLeast(double[] a, int n) {
            return a.length >= n ? a : new double[n];
        }

        /** LAPACK's workspace, at least the size a query returned in {@code query[0]}. */
        private double[] lapack(double need) {
            lapack = atLeast(lapack, Math.max(1, (int) need));
            return lapack;
        }
    }

    /**
     * A sketch of A: Q (m x p, orthonormalised A Omega for p fixed Gaussian vectors), B = Q^T A, lower
     * bounds on sigma_1..sigma_p of A from B's singular values, and the Gram matrix of B for the tail bounds.
     */
    static final class Sketch {
        final double[] a;
        final int m;
        final int n;
        final int p;
        final double[] q;
        final double[] b;
        /** lo[i] &lt;= sigma_(i+1)(A). */
        final double[] lo;
        final double aNorm;
        /** B B^T's eigenvectors, ascending eigenvalues (p x p, column-major). */
        private final double[] vectors;
        private final Work work;

        private Sketch(double[] a, int m, int n, int p, double[] q, double[] b, double[] lo, double aNorm,
                double[] vectors, Work work) {
            this.a = a;
            this.m = m;
            this.n = n;
            this.p = p;
            this.q = q;
            this.b = b;
            this.lo = lo;
            this.aNorm = aNorm;
            this.vectors = vectors;
            this.work = work;
        }

        /** The sketch of {@code a} with {@code p} columns; null when a LAPACK call fails. */
        static Sketch of(double[] a, int m, int n, int p) {
            return of(a, m, n, p, gaussians(n, p), new Work());
        }

        /** As {@link #of(double[], int, int, int)} with the Gaussian vectors given (their first n p entries used). */
        static Sketch of(double[] a, int m, int n, int p, double[] omega) {
            return of(a, m, n, p, omega, new Work());
        }

        /**
         * As {@link #of(double[], int, int, int, double[])}, in {@code work}'s arrays: the sketch holds them until
         * the next sketch in {@code work}.
         */
        static Sketch of(double[] a, int m, int n, int p, double[] omega, Work work) {
            dev.ludovic.netlib.blas.BLAS blas = NativeLinalg.blas();
            LAPACK lapack = NativeLinalg.lapack();
            double[] q = work.q = Work.atLeast(work.q, m * p);
            blas.dgemm("N", "N", m, p, n, 1.0, a, m, omega, n, 0.0, q, m);
            double[] tau = work.tau = Work.atLeast(work.tau, p);
            intW info = new intW(0);
            double[] query = new double[1];
            lapack.dgeqrf(m, p, q, m, tau, query, -1, info);
            double[] lwork = work.lapack(query[0]);
            lapack.dgeqrf(m, p, q, m, tau, lwork, lwork.length, info);
            if (info.val != 0) {
                return null;
            }
            lapack.dorgqr(m, p, p, q, m, tau, query, -1, info);
            lwork = work.lapack(query[0]);
            lapack.dorgqr(m, p, p, q, m, tau, lwork, lwork.length, info);
            if (info.val != 0) {
                return null;
            }
            double u = 0x1p-53;
            // how far Q is from orthonormal: ||Q||_2 <= sqrt(1 + f), f >= ||Q^T Q - I||_F with the Gram's rounding
            double[] g = work.gram = Work.atLeast(work.gram, p * p);
            blas.dsyrk("U", "T", p, m, 1.0, q, m, 0.0, g, p);
            double f2 = 0;
            for (int j = 0; j < p; j++) {
                for (int i = 0; i <= j; i++) {
                    double d = g[j * p + i] - (i == j ? 1 : 0);
                    f2 += (i == j ? 1 : 2) * d * d;
                }
            }
            double qNorm = norm(q, m * p);
            double q2 = Math.sqrt(1 + Math.sqrt(f2) + (m + 2) * 2 * u * qNorm * qNorm);
            double[] b = work.b = Work.atLeast(work.b, p * n);
            blas.dgemm("T", "N", p, n, m, 1.0, q, m, a, m, 0.0, b, p);
            double aNorm = norm(a, m * n);
            double bNorm = norm(b, p * n);
            double[] sv = Svd.values(b, p, n);
            if (sv == null || sv.length < p) {
                return null;
            }
            // sigma_i(Q^T A) <= ||Q||_2 sigma_i(A) (projecting cannot raise a singular value past ||Q||); the
            // computed B against Q^T A: |fl(Q^T A) - Q^T A| <= gamma_m |Q|^T |A|; B's computed singular values
            // against its own: a backward-stable SVD, allowed 8 max(p, n) u ||B||_F
            double gammaM = m * 2 * u / (1 - m * 2 * u);
            double error = gammaM * qNorm * aNorm + 8 * Math.max(p, n) * 2 * u * bNorm;
            double[] lo = new double[p];
            for (int i = 0; i < p; i++) {
                lo[i] = (sv[i] - error) / q2 * (1 - 0x1p-50);
            }
            double[] gb = work.vectors = Work.atLeast(work.vectors, p * p);
            blas.dsyrk("U", "N", p, n, 1.0, b, p, 0.0, gb, p);
            double[] w = work.values = Work.atLeast(work.values, p);
            lapack.dsyevd("V", "U", p, gb, p, w, query, -1, work.iwork, -1, info);
            lwork = work.lapack(query[0]);
            if (work.iwork.length < work.iwork[0]) {
                work.iwork = new int[work.iwork[0]];
            }
            lapack.dsyevd("V", "U", p, gb, p, w, lwork, lwork.length, work.iwork, work.iwork.length, info);
            if (info.val != 0) {
                return null;
            }
            return new Sketch(a, m, n, p, q, b, lo, aNorm, gb, work);
        }

        /**
         * An upper bound on sigma_(r+1)(A): ||A - Q_r X||_F for Q_r = Q W_r and X = W_r^T B, W_r the top r
         * eigenvectors of B B^T (Eckart-Young: Q_r X has rank at most r, whatever its accuracy), plus the
         * rounding of that difference, (r + 2) u (||A||_F + ||Q_r||_F ||X||_F). For r = 0, ||A||_F.
         */
        double tailBound(int r) {
            if (r == 0) {
                return aNorm * (1 + 0x1p-50);
            }
            dev.ludovic.netlib.blas.BLAS blas = NativeLinalg.blas();
            int top = (p - r) * p; // W_r: the last r columns of the ascending eigenvectors
            double[] qr = work.qr = Work.atLeast(work.qr, m * r);
            blas.dgemm("N", "N", m, r, p, 1.0, q, 0, m, vectors, top, p, 0.0, qr, 0, m);
            double[] x = work.x = Work.atLeast(work.x, r * n);
            blas.dgemm("T", "N", r, n, p, 1.0, vectors, top, p, b, 0, p, 0.0, x, 0, r);
            // ||A - Q_r X||_F a block of columns at a time, in a cache-sized buffer: the same operations on each
            // entry as on a copy of all of A (so the same rounding), without writing A's size out and reading it back
            int cols = Math.max(1, Math.min(n, RESIDUAL_BLOCK / Math.max(1, m)));
            double[] rest = work.rest = Work.atLeast(work.rest, m * cols);
            double restNorm = 0;
            for (int j0 = 0; j0 < n; j0 += cols) {
                int w = Math.min(cols, n - j0);
                System.arraycopy(a, j0 * m, rest, 0, m * w);
                blas.dgemm("N", "N", m, w, r, -1.0, qr, 0, m, x, j0 * r, r, 1.0, rest, 0, m);
                restNorm = Math.hypot(restNorm, blas.dnrm2(m * w, rest, 0, 1));
            }
            return restNorm * (1 + 0x1p-50) + (r + 2) * 0x1p-52 * (aNorm + norm(qr, m * r) * norm(x, r * n));
        }
    }

    private static double norm(double[] a) {
        return norm(a, a.length);
    }

    /** The 2-norm of the first {@code n} entries of {@code a}. */
    private static double norm(double[] a, int n) {
        return NativeLinalg.blas().dnrm2(n, a, 1);
    }
}
