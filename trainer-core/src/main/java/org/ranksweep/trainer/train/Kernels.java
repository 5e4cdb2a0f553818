package org.ranksweep.trainer.train;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ranksweep.trainer.config.Activation;

/**
 * The element-wise work of a step (activations, their derivatives, dropout masks, scaling) as plain
 * Java loops over the arrays' own buffers. ND4J's element-wise ops cost about the same per element
 * on these shapes but add a native call, an op object and argument buffers per call, and several runs
 * training at once in one JVM (Spark task slots) slow each other down there; these loops allocate
 * nothing and share nothing. Arrays must be contiguous and unoffset (every trainer buffer is).
 */
final class Kernels {
    private Kernels() {
    }

    /** Element access to a double or float buffer, computing in double. */
    abstract static class Buf {
        abstract int length();

        abstract double get(int i);

        abstract void set(int i, double v);
    }

    private static final class D extends Buf {
        private final DoubleBuffer b;
        private final int n;

        D(DoubleBuffer b, int n) {
            this.b = b;
            this.n = n;
        }

        @Override
        int length() {
            return n;
        }

        @Override
        double get(int i) {
            return b.get(i);
        }

        @Override
        void set(int i, double v) {
            b.put(i, v);
        }
    }

    private static final class F extends Buf {
        private final FloatBuffer b;
        private final int n;

        F(FloatBuffer b, int n) {
            this.b = b;
            this.n = n;
        }

        @Override
        int length() {
            return n;
        }

        @Override
        double get(int i) {
            return b.get(i);
        }

        @Override
        void set(int i, double v) {
            b.put(i, (float) v);
        }
    }

    static Buf buf(INDArray a) {
        if (a.offset() != 0 || a.isView()) {
            throw new IllegalArgumentException("element-wise kernels need a whole, unoffset array");
        }
        int n = Math.toIntExact(a.length());
        if (a.dataType() == DataType.DOUBLE) {
            return new D(a.data().asNioDouble(), n);
        }
        if (a.dataType() == DataType.FLOAT) {
            return new F(a.data().asNioFloat(), n);
        }
        throw new IllegalArgumentException("element-wise kernels need double or float, not " + a.dataType());
    }

    /** z = phi(z) in place. */
    static void activate(Activation a, INDArray z) {
        if (a == Activation.LINEAR) {
            return;
        }
        Buf b = buf(z);
        int n = b.length();
        switch (a) {
            case SIGMOID:
                for (int i = 0; i < n; i++) {
                    b.set(i, 1.0 / (1.0 + Math.exp(-b.get(i))));
                }
                break;
            case TANH:
                for (int i = 0; i < n; i++) {
                    b.set(i, tanh(b.get(i)));
                }
                break;
            case RELU:
                for (int i = 0; i < n; i++) {
                    double v = b.get(i);
                    b.set(i, v > 0 ? v : 0.0);
                }
                break;
            default:
                throw new IllegalArgumentException("activation " + a);
        }
    }

    /** Below this |x|, {@link #tanh} sums its Taylor series; above, it goes through exp. */
    static final double TANH_SERIES_BELOW = 0.125;
    /** Above this |x|, tanh(x) rounds to +-1 in double. */
    private static final double TANH_SATURATES = 22.0;

    /**
     * tanh(x) within a few ulps of {@link StrictMath#tanh}, about three times faster: {@code Math.tanh}
     * is a JNI call into fdlibm, while {@code Math.exp} is a JIT intrinsic. For |x| >= 1/8,
     * (e - 1) / (e + 1) with e = exp(2|x|) >= 1.28 loses at most a few ulps; below, the odd Taylor series
     * to x^15 (next term under 1e-17 relative).
     */
    static double tanh(double x) {
        double ax = Math.abs(x);
        if (ax < 0x1p-27) {
            return x; // tanh(x) = x - x^3/3 rounds to x here (and keeps the sign of -0.0)
        }
        if (ax < TANH_SERIES_BELOW) {
            double x2 = x * x;
            // x (1 - x^2/3 + 2x^4/15 - 17x^6/315 + 62x^8/2835 - 1382x^10/155925 + 21844x^12/6081075
            //    - 929569x^14/638512875)
            double p = -929569.0 / 638512875.0;
            p = p * x2 + 21844.0 / 6081075.0;
            p = p * x2 - 1382.0 / 155925.0;
            p = p * x2 + 62.0 / 2835.0;
            p = p * x2 - 17.0 / 315.0;
            p = p * x2 + 2.0 / 15.0;
            p = p * x2 - 1.0 / 3.0;
            return x + x * x2 * p;
        }
        if (!(ax <= TANH_SATURATES)) {
            return Double.isNaN(x) ? x : Math.copySign(1.0, x);
        }
        double e = Math.exp(2 * ax);
        double t = (e - 1) / (e + 1);
        return Math.copySign(t, x);
    }

    /** d .*= phi'(Z), computed from the activation's output A = phi(Z). */
    static void multiplyDerivative(Activation a, INDArray act, INDArray d) {
        if (a == Activation.LINEAR) {
            return;
        }
        Buf y = buf(act);
        Buf g = buf(d);
        int n = same(y, g);
        switch (a) {
            case SIGMOID: // s (1 - s)
                for (int i = 0; i < n; i++) {
                    double s = y.get(i);
                    g.set(i, g.get(i) * (s * (1.0 - s)));
                }
                break;
            case TANH: // 1 - t^2
                for (int i = 0; i < n; i++) {
                    double t = y.get(i);
                    g.set(i, g.get(i) * (1.0 - t * t));
                }
                break;
            case RELU: // 1 where A > 0 (A = relu(Z) >= 0)
                for (int i = 0; i < n; i++) {
                    if (!(y.get(i) > 0)) {
                        g.set(i, 0.0);
                    }
                }
                break;
            default:
                throw new IllegalArgumentException("activation " + a);
        }
    }

    /** out = a .* b. */
    static void multiply(INDArray a, INDArray b, INDArray out) {
        Buf x = buf(a);
        Buf y = buf(b);
        Buf o = buf(out);
        int n = same(x, y);
        same(x, o);
        for (int i = 0; i < n; i++) {
            o.set(i, x.get(i) * y.get(i));
        }
    }

    /** a *= s. */
    static void scale(INDArray a, double s) {
        Buf b = buf(a);
        for (int i = 0, n = b.length(); i < n; i++) {
            b.set(i, b.get(i) * s);
        }
    }

    /**
     * dst = the samples idx[0], idx[1], ... of a data matrix, one row each: row k of dst (n x features, plain)
     * is column idx[k] of {@code colMajor} (features x m, as the data is stored). Each sample is read
     * contiguously, and only dst, a mini-batch, is written with a stride.
     */
    static void gatherSamples(double[] colMajor, int features, int[] idx, INDArray dst) {
        Buf d = buf(dst);
        int n = idx.length;
        if (dst.rows() != n || dst.columns() != features) {
            throw new IllegalArgumentException("gather into " + dst.rows() + "x" + dst.columns() + " of " + n + "x"
                    + features);
        }
        for (int k = 0; k < n; k++) {
            int from = idx[k] * features;
            for (int j = 0; j < features; j++) {
                d.set(j * n + k, colMajor[from + j]);
            }
        }
    }

    private static int same(Buf a, Buf b) {
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("lengths differ: " + a.length() + " vs " + b.length());
        }
        return a.length();
    }
}
