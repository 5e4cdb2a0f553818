package org.ranksweep.trainer.train;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasLeft;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasLower;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasNonUnit;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.util.concurrent.atomic.LongAdder;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GEMM, AXPY and dot products straight through the OpenBLAS that ND4J ships ({@code cblas_dgemm}/{@code cblas_sgemm}
 * on the arrays' own buffers). {@code Nd4j.gemm} goes through a custom op that allocates native
 * argument arrays on every call, and javacpp registers each of them under one global lock, so several
 * runs training at once in one JVM (Spark tasks) queue there; this path allocates nothing.
 *
 * <p>C = op(A) op(B): all three arrays must be f-ordered, contiguous, unoffset and of one type (true of every buffer the
 * trainer allocates); the shapes are checked.
 */
final class Gemm {
    /** Nanoseconds spent in level-3 calls while {@link #timing} is on (the bench's "time in GEMM"). */
    private static final LongAdder NANOS = new LongAdder();
    private static volatile boolean timing;

    private Gemm() {
    }

    /** Starts or stops counting the time spent in GEMM and TRMM calls (off by default: it costs two clock reads a call). */
    static void timing(boolean on) {
        timing = on;
    }

    /** Nanoseconds counted so far in GEMM and TRMM calls, on every thread. */
    static long nanos() {
        return NANOS.sum();
    }

    /** y += alpha x (same shape, plain arrays); no allocation. */
    static void axpy(double alpha, INDArray x, INDArray y) {
        if (!plain(x) || !plain(y) || x.dataType() != y.dataType() || x.length() != y.length()) {
            y.addi(x.mul(alpha));
            return;
        }
        int n = (int) x.length();
        if (y.dataType() == DataType.DOUBLE) {
            openblas_nolapack.cblas_daxpy(n, alpha, (DoublePointer) x.data().addressPointer(), 1,
                    (DoublePointer) y.data().addressPointer(), 1);
        } else {
            openblas_nolapack.cblas_saxpy(n, (float) alpha, (FloatPointer) x.data().addressPointer(), 1,
                    (FloatPointer) y.data().addressPointer(), 1);
        }
    }

    /** y = x (same shape, plain arrays); no allocation. Returns y. */
    static INDArray copy(INDArray x, INDArray y) {
        if (!plain(x) || !plain(y) || x.dataType() != y.dataType() || x.length() != y.length()) {
            return y.assign(x);
        }
        int n = (int) x.length();
        if (y.dataType() == DataType.DOUBLE) {
            openblas_nolapack.cblas_dcopy(n, (DoublePointer) x.data().addressPointer(), 1,
                    (DoublePointer) y.data().addressPointer(), 1);
        } else {
            openblas_nolapack.cblas_scopy(n, (FloatPointer) x.data().addressPointer(), 1,
                    (FloatPointer) y.data().addressPointer(), 1);
        }
        return y;
    }

    /** Sum of squares of a plain array, through BLAS dot (no allocation), accumulated in double. */
    static double sumSquares(INDArray x) {
        if (!plain(x)) {
            double n = x.norm2Number().doubleValue();
            return n * n;
        }
        int n = (int) x.length();
        if (x.dataType() == DataType.DOUBLE) {
            DoublePointer p = (DoublePointer) x.data().addressPointer();
            return openblas_nolapack.cblas_ddot(n, p, 1, p, 1);
        }
        FloatPointer p = (FloatPointer) x.data().addressPointer();
        return openblas_nolapack.cblas_dsdot(n, p, 1, p, 1);
    }

    /**
     * The values of a plain array as a new column-major double[], copied in bulk ({@code DataBuffer.asDouble}
     * reads one element at a time through a virtual call: 4 ms for Figure 1's weights, against 1).
     */
    static double[] toDoubles(INDArray x) {
        return toDoubles(x, null);
    }

    /** As {@link #toDoubles(INDArray)}, into {@code into} when it has the array's length (else a new array). */
    static double[] toDoubles(INDArray x, double[] into) {
        if (!plain(x)) {
            return x.data().asDouble();
        }
        int n = Math.toIntExact(x.length());
        double[] out = into != null && into.length == n ? into : new double[n];
        if (x.dataType() == DataType.DOUBLE) {
            ((DoublePointer) x.data().addressPointer()).get(out, 0, n);
        } else {
            // widened a chunk at a time through a buffer the thread keeps: no float[] the size of the array
            float[] chunk = FLOAT_CHUNK.get();
            FloatPointer from = new FloatPointer(x.data().addressPointer());
            for (int start = 0; start < n; start += chunk.length) {
                int len = Math.min(chunk.length, n - start);
                from.position(start).get(chunk, 0, len);
                for (int i = 0; i < len; i++) {
                    out[start + i] = chunk[i];
                }
            }
        }
        return out;
    }

    /** Floats widened at a time by {@link #toDoubles(INDArray, double[])} (64 KB: in a core's L2 cache). */
    static final int FLOAT_CHUNK_LENGTH = 1 << 14;
    private static final ThreadLocal<float[]> FLOAT_CHUNK = ThreadLocal.withInitial(() -> new float[FLOAT_CHUNK_LENGTH]);

    /** f-ordered, contiguous, starting at its buffer's start, double or float. */
    private static boolean plain(INDArray x) {
        return x.ordering() == 'f' && x.offset() == 0 && !x.isView() && x.rank() == 2
                && (x.dataType() == DataType.DOUBLE || x.dataType() == DataType.FLOAT);
    }

    /** C = op(A) op(B). */
    static void mul(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB) {
        mul(1.0, a, b, c, transA, transB);
    }

    /** C = alpha op(A) op(B). */
    static void mul(double alpha, INDArray a, INDArray b, INDArray c, boolean transA, boolean transB) {
        if (!plain(a) || !plain(b) || !plain(c) || a.dataType() != c.dataType() || b.dataType() != c.dataType()) {
            org.nd4j.linalg.factory.Nd4j.gemm(a, b, c, transA, transB, alpha, 0.0);
            return;
        }
        int m = (int) c.rows();
        int n = (int) c.columns();
        int k = (int) (transA ? a.rows() : a.columns());
        long bk = transB ? b.columns() : b.rows();
        long am = transA ? a.columns() : a.rows();
        long bn = transB ? b.rows() : b.columns();
        if (am != m || bn != n || bk != k) {
            throw new IllegalArgumentException("gemm shapes: A " + java.util.Arrays.toString(a.shape()) + (transA ? "^T" : "")
                    + " B " + java.util.Arrays.toString(b.shape()) + (transB ? "^T" : "") + " C "
                    + java.util.Arrays.toString(c.shape()));
        }
        if (m == 0 || n == 0) {
            return;
        }
        int lda = Math.max(1, (int) a.rows());
        int ldb = Math.max(1, (int) b.rows());
        int ldc = Math.max(1, m);
        int ta = transA ? CblasTrans : CblasNoTrans;
        int tb = transB ? CblasTrans : CblasNoTrans;
        boolean timed = timing;
        long t0 = timed ? System.nanoTime() : 0;
        if (c.dataType() == DataType.DOUBLE) {
            openblas_nolapack.cblas_dgemm(CblasColMajor, ta, tb, m, n, k, alpha,
                    (DoublePointer) a.data().addressPointer(), lda, (DoublePointer) b.data().addressPointer(), ldb,
                    0.0, (DoublePointer) c.data().addressPointer(), ldc);
        } else {
            openblas_nolapack.cblas_sgemm(CblasColMajor, ta, tb, m, n, k, (float) alpha,
                    (FloatPointer) a.data().addressPointer(), lda, (FloatPointer) b.data().addressPointer(), ldb,
                    0.0f, (FloatPointer) c.data().addressPointer(), ldc);
        }
        if (timed) {
            NANOS.add(System.nanoTime() - t0);
        }
    }

    /**
     * B = alpha op(L) B in place, L square and lower triangular (only its lower triangle is read): half
     * the work of the GEMM with a full L. Both arrays plain and of one type, B's rows = L's order.
     */
    static void mulLowerLeft(double alpha, INDArray l, INDArray b, boolean transL) {
        int m = (int) b.rows();
        int n = (int) b.columns();
        if (!plain(b) || !plain(l) || b.dataType() != l.dataType() || l.rows() != m || l.columns() != m) {
            throw new IllegalArgumentException("trmm shapes: L " + java.util.Arrays.toString(l.shape()) + " B "
                    + java.util.Arrays.toString(b.shape()));
        }
        if (m == 0 || n == 0) {
            return;
        }
        int tl = transL ? CblasTrans : CblasNoTrans;
        boolean timed = timing;
        long t0 = timed ? System.nanoTime() : 0;
        if (b.dataType() == DataType.DOUBLE) {
            openblas_nolapack.cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, tl, CblasNonUnit, m, n, alpha,
                    (DoublePointer) l.data().addressPointer(), m, (DoublePointer) b.data().addressPointer(), m);
        } else {
            openblas_nolapack.cblas_strmm(CblasColMajor, CblasLeft, CblasLower, tl, CblasNonUnit, m, n, (float) alpha,
                    (FloatPointer) l.data().addressPointer(), m, (FloatPointer) b.data().addressPointer(), m);
        }
        if (timed) {
            NANOS.add(System.nanoTime() - t0);
        }
    }
}
