package org.ranksweep.trainer.linalg;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasLeft;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasLower;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasNonUnit;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Checks, once per JVM and before any run trusts them, that the native BLAS and LAPACK calls the trainer makes
 * compute what they should: the trainer's own GEMM and TRMM (ND4J's OpenBLAS, both precisions), netlib's GEMM and
 * SYRK (the layers' rank decisions), and a values-only SVD of a matrix whose singular values are known, large
 * enough that {@link Svd} takes its blocked QR (whose block reflectors, LAPACK's dlarfb, call TRMM).
 *
 * <p>Why: ND4J 1.0.0-M2.1 ships OpenBLAS 0.3.19, built for many CPUs in one library. Its AVX-512 ("SkylakeX")
 * kernels compute DTRMM wrongly (measured: errors of order 50 on products of order 10), so the SVDs, the ranks and
 * the sufficient-statistics path come out wrong, silently (OpenBLAS issues 2986 and 3454 describe such builds).
 * OpenBLAS picks those kernels on Intel AVX-512 servers by itself. {@code OPENBLAS_CORETYPE=Haswell} (AVX2 kernels)
 * avoids them; {@code bin/sweep} and the cluster configurations set it. A machine where this check fails refuses to
 * train, with what differed and what to set, instead of writing wrong tables.
 */
public final class BlasCheck {
    /** Largest error allowed in a float64 product, relative to the largest entry of |A| |B| (a sum of k terms). */
    static final double DOUBLE_TOLERANCE = 1e-12;
    /** The same for float32 products. */
    static final double FLOAT_TOLERANCE = 1e-4;
    /** Largest error allowed in a singular value, relative to the largest. */
    static final double SVD_TOLERANCE = 1e-10;
    /** The environment variable that chooses OpenBLAS's kernels. */
    public static final String CORETYPE = "OPENBLAS_CORETYPE";

    private static final Object LOCK = new Object();
    private static volatile boolean done;
    private static volatile String problem;

    private BlasCheck() {
    }

    /** Runs the check the first time (a few milliseconds), and throws {@link Fault} on this and every later call if it failed. */
    public static void verify() {
        if (!done) {
            synchronized (LOCK) {
                if (!done) {
                    problem = problem();
                    done = true;
                }
            }
        }
        if (problem != null) {
            throw new Fault(problem);
        }
    }

    /** Native BLAS or LAPACK giving wrong results: not a run's failure but the machine's, so no run should go on. */
    public static final class Fault extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Fault(String message) {
            super(message);
        }
    }

    /** What the first wrong call computed, with what to do about it; null when every call was right. */
    static String problem() {
        String wrong = firstWrong();
        if (wrong == null) {
            return null;
        }
        String core = System.getenv(CORETYPE);
        return "the native BLAS/LAPACK computes wrong results on this machine: " + wrong + " (" + CORETYPE + "="
                + (core == null ? "unset" : core) + "). OpenBLAS chose these kernels for this CPU" + (core == null ? ""
                        : " as " + CORETYPE + " says") + "; the OpenBLAS 0.3.19 ND4J ships computes DTRMM wrongly with its "
                + "AVX-512 (SkylakeX) kernels. Set " + CORETYPE + "=Haswell (its AVX2 kernels) in the environment of "
                + "every JVM that trains (bin/sweep does on AVX-512 machines; on a cluster, spark.executorEnv." + CORETYPE
                + "=Haswell as in cluster-config/spark-defaults), or another kernel family if that is the one failing";
    }

    private static String firstWrong() {
        SplittableRandom rnd = new SplittableRandom(0xb1a5L);
        String wrong;
        for (boolean transL : new boolean[] {false, true}) {
            if ((wrong = trmm(rnd, 72, 24, transL, false)) != null || (wrong = trmm(rnd, 72, 24, transL, true)) != null) {
                return wrong;
            }
        }
        boolean[][] ops = {{false, false}, {true, false}, {false, true}};
        for (boolean[] op : ops) {
            if ((wrong = gemm(rnd, 72, 40, 56, op[0], op[1], false)) != null) {
                return wrong;
            }
        }
        if ((wrong = gemm(rnd, 72, 40, 56, false, false, true)) != null || (wrong = netlib(rnd)) != null) {
            return wrong;
        }
        return svd(rnd, 300, 140);
    }

    /** B = op(L) B through the trainer's {@code cblas_?trmm} (L lower triangular, m x m; B m x n). */
    private static String trmm(SplittableRandom rnd, int m, int n, boolean transL, boolean single) {
        double[] l = gaussians(rnd, m * m);
        double[] b = gaussians(rnd, m * n);
        // the reference multiplies by L's lower triangle alone; the call gets all of l and must ignore the rest
        double[] lower = new double[m * m];
        for (int j = 0; j < m; j++) {
            System.arraycopy(l, j * m + j, lower, j * m + j, m - j);
        }
        double[] want = new double[m * n];
        double[] scale = new double[m * n];
        reference(lower, m, transL, b, m, false, m, n, m, want, scale);
        double[] got;
        int tl = transL ? CblasTrans : CblasNoTrans;
        if (single) {
            try (FloatPointer pl = new FloatPointer(floats(l)); FloatPointer pb = new FloatPointer(floats(b))) {
                openblas_nolapack.cblas_strmm(CblasColMajor, CblasLeft, CblasLower, tl, CblasNonUnit, m, n, 1f, pl, m, pb, m);
                got = doubles(pb, m * n);
            }
        } else {
            try (DoublePointer pl = new DoublePointer(l); DoublePointer pb = new DoublePointer(b)) {
                openblas_nolapack.cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, tl, CblasNonUnit, m, n, 1.0, pl, m, pb, m);
                got = new double[m * n];
                pb.get(got);
            }
        }
        return compare((single ? "cblas_strmm" : "cblas_dtrmm") + "(lower, " + (transL ? "L^T" : "L") + ") of " + m
                + " x " + n, want, scale, got, single ? FLOAT_TOLERANCE : DOUBLE_TOLERANCE);
    }

    /** C = op(A) op(B) through the trainer's {@code cblas_?gemm} (C m x n, inner dimension k). */
    private static String gemm(SplittableRandom rnd, int m, int n, int k, boolean ta, boolean tb, boolean single) {
        double[] a = gaussians(rnd, m * k);
        double[] b = gaussians(rnd, k * n);
        int lda = ta ? k : m;
        int ldb = tb ? n : k;
        double[] want = new double[m * n];
        double[] scale = new double[m * n];
        reference(a, lda, ta, b, ldb, tb, m, n, k, want, scale);
        double[] got;
        int opA = ta ? CblasTrans : CblasNoTrans;
        int opB = tb ? CblasTrans : CblasNoTrans;
        if (single) {
            try (FloatPointer pa = new FloatPointer(floats(a)); FloatPointer pb = new FloatPointer(floats(b));
                    FloatPointer pc = new FloatPointer((long) m * n)) {
                openblas_nolapack.cblas_sgemm(CblasColMajor, opA, opB, m, n, k, 1f, pa, lda, pb, ldb, 0f, pc, m);
                got = doubles(pc, m * n);
            }
        } else {
            try (DoublePointer pa = new DoublePointer(a); DoublePointer pb = new DoublePointer(b);
                    DoublePointer pc = new DoublePointer((long) m * n)) {
                openblas_nolapack.cblas_dgemm(CblasColMajor, opA, opB, m, n, k, 1.0, pa, lda, pb, ldb, 0.0, pc, m);
                got = new double[m * n];
                pc.get(got);
            }
        }
        return compare((single ? "cblas_sgemm" : "cblas_dgemm") + "(" + (ta ? "T" : "N") + (tb ? "T" : "N") + ") of "
                + m + " x " + n + " x " + k, want, scale, got, single ? FLOAT_TOLERANCE : DOUBLE_TOLERANCE);
    }

    /** netlib's dgemm and dsyrk (the library the layers' rank decisions call). */
    private static String netlib(SplittableRandom rnd) {
        int m = 48;
        int n = 64;
        int k = 80;
        double[] a = gaussians(rnd, m * k);
        double[] b = gaussians(rnd, k * n);
        double[] want = new double[m * n];
        double[] scale = new double[m * n];
        reference(a, m, false, b, k, false, m, n, k, want, scale);
        double[] got = new double[m * n];
        NativeLinalg.blas().dgemm("N", "N", m, n, k, 1.0, a, m, b, k, 0.0, got, m);
        String wrong = compare("netlib dgemm(NN) of " + m + " x " + n + " x " + k, want, scale, got, DOUBLE_TOLERANCE);
        if (wrong != null) {
            return wrong;
        }
        // A A^T's upper triangle
        double[] g = new double[m * m];
        NativeLinalg.blas().dsyrk("U", "N", m, k, 1.0, a, m, 0.0, g, m);
        double[] full = new double[m * m];
        double[] fullScale = new double[m * m];
        reference(a, m, false, a, m, true, m, m, k, full, fullScale);
        for (int j = 0; j < m; j++) {
            for (int i = j + 1; i < m; i++) { // below the diagonal dsyrk leaves zeros
                full[j * m + i] = 0;
                fullScale[j * m + i] = 1;
            }
        }
        return compare("netlib dsyrk of " + m + " x " + k, full, fullScale, g, DOUBLE_TOLERANCE);
    }

    /**
     * The values-only SVD ({@link Svd#values}) of an m x n matrix U diag(s) V^T with s known: diag(s) turned by
     * three Householder reflections on each side, in Java. m &gt;= 2 n and n &gt; 128, so {@link Svd#values} first
     * takes its blocked QR (as LAPACK's gesdd would at this size).
     */
    private static String svd(SplittableRandom rnd, int m, int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.pow(10, -3.0 * i / (n - 1));
        }
        double[] a = withSingularValues(s, m, 3, rnd);
        double[] got = Svd.values(a, m, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, got == null || got.length != n ? Double.POSITIVE_INFINITY : Math.abs(got[i] - s[i]));
        }
        if (!(worst <= SVD_TOLERANCE * s[0])) {
            return String.format(Locale.ROOT, "LAPACK's values-only SVD of a %d x %d matrix with known singular values "
                    + "is off by %.3g (allowed %.1g)", m, n, worst, SVD_TOLERANCE * s[0]);
        }
        return null;
    }

    /** want = op(A) op(B) and scale = |op(A)| |op(B)|, by plain loops. */
    private static void reference(double[] a, int lda, boolean ta, double[] b, int ldb, boolean tb, int m, int n, int k,
            double[] want, double[] scale) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double s = 0;
                double abs = 0;
                for (int q = 0; q < k; q++) {
                    double x = (ta ? a[i * lda + q] : a[q * lda + i]) * (tb ? b[q * ldb + j] : b[j * ldb + q]);
                    s += x;
                    abs += Math.abs(x);
                }
                want[j * m + i] = s;
                scale[j * m + i] = abs;
            }
        }
    }

    /** Null when every entry is within {@code tolerance} of its reference, relative to the largest |A| |B| entry. */
    static String compare(String what, double[] want, double[] scale, double[] got, double tolerance) {
        double worst = 0;
        double top = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs(got[i] - want[i]);
            worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
            top = Math.max(top, scale[i]);
        }
        if (worst <= tolerance * top) {
            return null;
        }
        return String.format(Locale.ROOT, "%s is off by %.3g against a reference whose entries reach %.3g (allowed %.1g)",
                what, worst, top, tolerance * top);
    }

    /**
     * An m x n matrix (m &gt;= n = s.length, column-major) whose singular values are s to rounding: diag(s) turned by
     * {@code reflections} Householder reflections on each side, (I - 2 u u^T / u^T u) on the left and
     * (I - 2 v v^T / v^T v) on the right with Gaussian u and v, computed in plain Java (no BLAS).
     */
    static double[] withSingularValues(double[] s, int m, int reflections, SplittableRandom rnd) {
        int n = s.length;
        double[] a = new double[m * n];
        for (int i = 0; i < n; i++) {
            a[i * m + i] = s[i];
        }
        for (int r = 0; r < reflections; r++) {
            double[] u = gaussians(rnd, m);
            double uu = dot(u, u);
            for (int j = 0; j < n; j++) { // each column: (I - 2 u u^T / u^T u) a_j
                double f = 0;
                for (int i = 0; i < m; i++) {
                    f += u[i] * a[j * m + i];
                }
                f = 2 * f / uu;
                for (int i = 0; i < m; i++) {
                    a[j * m + i] -= f * u[i];
                }
            }
            double[] v = gaussians(rnd, n);
            double vv = dot(v, v);
            for (int i = 0; i < m; i++) { // each row: a_i (I - 2 v v^T / v^T v)
                double f = 0;
                for (int j = 0; j < n; j++) {
                    f += a[j * m + i] * v[j];
                }
                f = 2 * f / vv;
                for (int j = 0; j < n; j++) {
                    a[j * m + i] -= f * v[j];
                }
            }
        }
        return a;
    }

    static double[] gaussians(SplittableRandom rnd, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextGaussian();
        }
        return x;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static float[] floats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    private static double[] doubles(FloatPointer p, int n) {
        float[] f = new float[n];
        p.get(f);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
