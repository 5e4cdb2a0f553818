package org.ranksweep.trainer.data;

import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Map;
import java.util.WeakHashMap;
import org.netlib.util.intW;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.linalg.NativeLinalg;
import org.ranksweep.trainer.linalg.Svd;
import org.ranksweep.trainer.linalg.Tolerance;
import org.ranksweep.trainer.linalg.Transpose;

/**
 * What a dataset offers a deep linear network: Yun et al. (2018)'s assumptions, checked, and the
 * closed-form optimal loss.
 *
 * <p>With X^T = Q R (thin QR, Q in R^(m x p), p = min(m, d_x)), the least-squares fit of Y from X is
 * Yhat = Y Q Q^T = Y X^T (X X^T)^-1 X, and C = Q^T Y^T (p x d_y) has the singular values s_i of Yhat.
 * The best product R of rank at most k (the network's narrowest width) is the reduced-rank regression,
 * whose loss is
 * <pre>
 *   L* = 1/2 ( ||Y - Yhat||_F^2 + sum_{i > k} s_i^2 )      (divided by m for the mean loss)
 * </pre>
 * ||Y - Yhat||_F^2 is read off the last m - p rows of Q^T Y^T, so nothing is subtracted from ||Y||^2.
 *
 * <p>The same factorisation gives a full-batch linear network everything it needs from the data
 * (the trainer's sufficient-statistics path): with L = R^T (d_x x p) and Y Q (d_y x p),
 * ||R X - Y||_F^2 = ||R L - Y Q||_F^2 + ||Y - Yhat||_F^2 and the gradient in R is (R L - Y Q) L^T,
 * each without cancellation.
 */
public final class DataAnalysis {
    /** Singular values closer than this, relative to the largest, are not "distinct" (assumption iv). */
    public static final double DISTINCT_RELATIVE_GAP = 1e-10;

    private static final Map<Dataset, DataAnalysis> CACHE = new WeakHashMap<>();

    public final int samples;
    public final int inputs;
    public final int outputs;
    /** rank(X) = rank(X X^T) at numpy's tolerance. */
    public final int xRank;
    /** rank(Y X^T) at numpy's tolerance. */
    public final int yxtRank;
    /** Singular values of Y X^T (X X^T)^-1 X, descending. */
    public final double[] fitSingularValues;
    /** ||Y - Yhat||_F^2, the part of Y no linear map of X reaches. */
    public final double residual;
    /** min_i (s_i - s_(i+1)) / s_1 over the nonzero fit singular values (assumption iv). */
    public final double minRelativeGap;
    /** p = min(m, d_x), the columns of {@link #xFactor} and {@link #yProjected}. */
    public final int factorRank;
    /** L (d_x x p, column-major, zero above the diagonal) with X = L Q^T. */
    private final double[] xFactor;
    /** Y Q (d_y x p, column-major). */
    private final double[] yProjected;

    private DataAnalysis(Dataset ds, int xRank, int yxtRank, double[] s, double residual, double gap, int p,
            double[] xFactor, double[] yProjected) {
        this.samples = ds.samples;
        this.inputs = ds.inputs;
        this.outputs = ds.outputs;
        this.xRank = xRank;
        this.yxtRank = yxtRank;
        this.fitSingularValues = s;
        this.residual = residual;
        this.minRelativeGap = gap;
        this.factorRank = p;
        this.xFactor = xFactor;
        this.yProjected = yProjected;
    }

    /** A copy of L (d_x x p, column-major, lower trapezoidal) with X = L Q^T. */
    public double[] xFactor() {
        return xFactor.clone();
    }

    /** A copy of Y Q (d_y x p, column-major). */
    public double[] yProjected() {
        return yProjected.clone();
    }

    /** (ii) d_x, d_y &lt;= m. */
    public boolean shapesWithinSamples() {
        return inputs <= samples && outputs <= samples;
    }

    /** (iii a) X X^T full rank. */
    public boolean xxtFullRank() {
        return xRank == inputs;
    }

    /** (iii b) Y X^T full rank. */
    public boolean yxtFullRank() {
        return yxtRank == Math.min(outputs, inputs);
    }

    /** (iv) distinct singular values of Y X^T (X X^T)^-1 X. */
    public boolean distinctSingularValues() {
        return minRelativeGap > DISTINCT_RELATIVE_GAP;
    }

    /** (ii), (iii) and (iv): the data's share of Yun et al.'s assumptions. */
    public boolean dataAssumptionsMet() {
        return shapesWithinSamples() && xxtFullRank() && yxtFullRank() && distinctSingularValues();
    }

    /** (i) the network's narrowest width is min(d_x, d_y). */
    public static boolean widthAssumptionMet(int[] widths) {
        int min = Integer.MAX_VALUE;
        for (int w : widths) {
            min = Math.min(min, w);
        }
        return min == Math.min(widths[0], widths[widths.length - 1]);
    }

    /** L* for a linear network whose product has rank at most {@code k}. */
    public double optimalLoss(int k, LossKind loss) {
        double tail = 0;
        for (int i = fitSingularValues.length - 1; i >= k; i--) {
            tail += fitSingularValues[i] * fitSingularValues[i];
        }
        double l = 0.5 * (residual + tail);
        return loss == LossKind.MEAN ? l / samples : l;
    }

    /** The analysis of {@code ds}, computed once per dataset object. */
    public static DataAnalysis of(Dataset ds) {
        synchronized (CACHE) {
            DataAnalysis hit = CACHE.get(ds);
            if (hit != null) {
                return hit;
            }
        }
        DataAnalysis a = compute(ds);
        synchronized (CACHE) {
            CACHE.put(ds, a);
        }
        return a;
    }

    private static DataAnalysis compute(Dataset ds) {
        requireFinite(ds.x, ds.inputs, "X");
        requireFinite(ds.y, ds.outputs, "Y");
        int m = ds.samples;
        int dx = ds.inputs;
        int dy = ds.outputs;
        LAPACK lapack = NativeLinalg.lapack();
        double eps = 0x1p-52;

        int xRank = Tolerance.NUMPY.rank(Svd.values(ds.x, dx, m), dx, m, eps);
        double[] yxt = new double[dy * dx];
        NativeLinalg.blas().dgemm("N", "T", dy, dx, m, 1.0, ds.y, dy, ds.x, dx, 0.0, yxt, dy);
        int yxtRank = Tolerance.NUMPY.rank(Svd.values(yxt, dy, dx), dy, dx, eps);

        // X^T (m x dx) and Y^T (m x dy), column-major.
        double[] xt = Transpose.of(ds.x, dx, m);
        double[] yt = Transpose.of(ds.y, dy, m);
        int p = Math.min(m, dx);
        double[] tau = new double[Math.max(1, p)];
        intW info = new intW(0);
        double[] q = new double[1];
        lapack.dgeqrf(m, dx, xt, m, tau, q, -1, info);
        double[] work = new double[Math.max(1, (int) q[0])];
        lapack.dgeqrf(m, dx, xt, m, tau, work, work.length, info);
        check(info, "dgeqrf");
        lapack.dormqr("L", "T", m, dy, p, xt, m, tau, yt, m, q, -1, info);
        work = new double[Math.max(1, (int) q[0])];
        lapack.dormqr("L", "T", m, dy, p, xt, m, tau, yt, m, work, work.length, info);
        check(info, "dormqr");
        double residual = 0;
        double[] c = new double[p * dy];
        double[] yq = new double[dy * p];
        for (int col = 0; col < dy; col++) {
            for (int row = 0; row < m; row++) {
                double v = yt[col * m + row];
                if (row < p) {
                    c[col * p + row] = v;
                    yq[row * dy + col] = v;
                } else {
                    residual += v * v;
                }
            }
        }
        double[] l = new double[dx * p];
        for (int i = 0; i < p; i++) {
            for (int j = i; j < dx; j++) {
                l[i * dx + j] = xt[j * m + i];
            }
        }
        double[] s = Svd.values(c, p, dy);
        int nonzero = Tolerance.NUMPY.rank(s, p, dy, eps);
        double gap = Double.POSITIVE_INFINITY;
        for (int i = 0; i + 1 < nonzero; i++) {
            gap = Math.min(gap, (s[i] - s[i + 1]) / s[0]);
        }
        return new DataAnalysis(ds, xRank, yxtRank, s, residual, gap, p, l, yq);
    }

    private static void requireFinite(double[] a, int rows, String name) {
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException(name + " has a non-finite value " + a[i] + " at sample "
                        + (i / rows) + ", column " + (i % rows));
            }
        }
    }

    private static void check(intW info, String routine) {
        if (info.val != 0) {
            throw new ArithmeticException(routine + " failed, info=" + info.val);
        }
    }
}
