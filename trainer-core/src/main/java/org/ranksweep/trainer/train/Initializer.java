package org.ranksweep.trainer.train;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Random;
import org.netlib.util.intW;
import org.ranksweep.trainer.config.ConfigException;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.linalg.NativeLinalg;
import org.ranksweep.trainer.linalg.Svd;

/**
 * Initial weights W_1..W_H (column-major, W_i is d_i x d_(i-1)) from the run seed alone, so that all
 * runs of a seed start from the same point whatever their noise type or sigma. See
 * {@link org.ranksweep.trainer.config.InitScheme} for the schemes.
 */
public final class Initializer {
    private Initializer() {
    }

    /** weights[i] is W_(i+1), column-major d_(i+1) x d_i. */
    public static double[][] initialWeights(RunConfig c) {
        Random rnd = new Random(Seeds.init(c.seed));
        int h = c.depth();
        int[] d = c.widths;
        double[][] w = new double[h][];
        switch (c.init) {
            case ZERO:
                for (int i = 0; i < h; i++) {
                    w[i] = new double[d[i + 1] * d[i]];
                }
                return w;
            case GAUSSIAN:
                for (int i = 0; i < h; i++) {
                    w[i] = gaussian(rnd, d[i + 1] * d[i], c.initScale);
                }
                return w;
            case XAVIER:
                for (int i = 0; i < h; i++) {
                    w[i] = gaussian(rnd, d[i + 1] * d[i], c.initScale * Math.sqrt(2.0 / (d[i] + d[i + 1])));
                }
                return w;
            case ORTHOGONAL:
                for (int i = 0; i < h; i++) {
                    w[i] = orthogonal(rnd, d[i + 1], d[i]);
                    scale(w[i], c.initScale);
                }
                return w;
            case TRUNCATED_RANK:
                for (int i = 0; i < h; i++) {
                    w[i] = truncate(gaussian(rnd, d[i + 1] * d[i], c.initScale), d[i + 1], d[i], c.initRank);
                }
                return w;
            case BALANCED_LOW_RANK:
                return balancedLowRank(rnd, d, c.initRank, c.initScale);
            default:
                throw new ConfigException("init.scheme", "is not implemented", c.init);
        }
    }

    private static double[][] balancedLowRank(Random rnd, int[] d, int r, double scale) {
        int h = d.length - 1;
        double[][] q = new double[h + 1][];
        for (int i = 0; i <= h; i++) {
            q[i] = orthogonal(rnd, d[i], r); // d_i x r, orthonormal columns
        }
        BLAS blas = NativeLinalg.blas();
        double[][] w = new double[h][];
        for (int i = 0; i < h; i++) {
            double[] s = orthogonal(rnd, r, r);
            double[] qs = new double[d[i + 1] * r];
            blas.dgemm("N", "N", d[i + 1], r, r, 1.0, q[i + 1], d[i + 1], s, r, 0.0, qs, d[i + 1]);
            w[i] = new double[d[i + 1] * d[i]];
            blas.dgemm("N", "T", d[i + 1], d[i], r, scale, qs, d[i + 1], q[i], d[i], 0.0, w[i], d[i + 1]);
        }
        return w;
    }

    static double[] gaussian(Random rnd, int n, double std) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = std * rnd.nextGaussian();
        }
        return a;
    }

    /**
     * A Haar-distributed rows x cols matrix with orthonormal columns (rows &gt;= cols) or orthonormal
     * rows (rows &lt; cols): QR of a Gaussian matrix with the signs of R's diagonal folded into Q.
     */
    static double[] orthogonal(Random rnd, int rows, int cols) {
        boolean tall = rows >= cols;
        int n = tall ? rows : cols;
        int k = tall ? cols : rows;
        double[] a = gaussian(rnd, n * k, 1.0);
        LAPACK lapack = NativeLinalg.lapack();
        double[] tau = new double[k];
        intW info = new intW(0);
        double[] q = new double[1];
        lapack.dgeqrf(n, k, a, n, tau, q, -1, info);
        double[] work = new double[Math.max(1, (int) q[0])];
        lapack.dgeqrf(n, k, a, n, tau, work, work.length, info);
        double[] sign = new double[k];
        for (int j = 0; j < k; j++) {
            sign[j] = a[j * n + j] < 0 ? -1.0 : 1.0;
        }
        lapack.dorgqr(n, k, k, a, n, tau, q, -1, info);
        work = new double[Math.max(1, (int) q[0])];
        lapack.dorgqr(n, k, k, a, n, tau, work, work.length, info);
        if (info.val != 0) {
            throw new ArithmeticException("dorgqr failed, info=" + info.val);
        }
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < n; i++) {
                a[j * n + i] *= sign[j];
            }
        }
        if (tall) {
            return a;
        }
        double[] t = new double[rows * cols];
        for (int j = 0; j < k; j++) {       // a is n x k = cols x rows; t = a^T is rows x cols
            for (int i = 0; i < n; i++) {
                t[i * rows + j] = a[j * n + i];
            }
        }
        return t;
    }

    /** The best rank-r approximation U_r diag(s_r) V_r^T of the m x n matrix a. */
    static double[] truncate(double[] a, int m, int n, int r) {
        Svd.Full f = Svd.thin(a, m, n);
        double[] out = new double[m * n];
        for (int t = 0; t < Math.min(r, f.k); t++) {
            double s = f.s[t];
            for (int j = 0; j < n; j++) {
                double v = s * f.vt[j * f.k + t];
                for (int i = 0; i < m; i++) {
                    out[j * m + i] += f.u[t * m + i] * v;
                }
            }
        }
        return out;
    }

    private static void scale(double[] a, double s) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= s;
        }
    }
}
