package org.ranksweep.trainer.train;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasLeft;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasLower;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasNonUnit;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

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
        boolean dbl = y.dataType() == DataType.DOUBLE;
        ranges(Math.toIntExact(x.length()), (from, len) -> {
            if (dbl) {
                openblas_nolapack.cblas_daxpy(len, alpha, doubles(x, from), 1, doubles(y, from), 1);
            } else {
                openblas_nolapack.cblas_saxpy(len, (float) alpha, floats(x, from), 1, floats(y, from), 1);
            }
        });
    }

    /** y = x (same shape, plain arrays); no allocation. Returns y. */
    static INDArray copy(INDArray x, INDArray y) {
        if (!plain(x) || !plain(y) || x.dataType() != y.dataType() || x.length() != y.length()) {
            return y.assign(x);
        }
        boolean dbl = y.dataType() == DataType.DOUBLE;
        ranges(Math.toIntExact(x.length()), (from, len) -> {
            if (dbl) {
                openblas_nolapack.cblas_dcopy(len, doubles(x, from), 1, doubles(y, from), 1);
            } else {
                openblas_nolapack.cblas_scopy(len, floats(x, from), 1, floats(y, from), 1);
            }
        });
        return y;
    }

    /** An operation on elements [from, from + len) of arrays. */
    private interface Range {
        void apply(int from, int len);
    }

    /**
     * Applies {@code op} to [0, n): in blocks split between the calling thread's lanes when it has them and n is at
     * least {@link #MIN_SPLIT_ELEMENTS}, else in one call.
     */
    private static void ranges(int n, Range op) {
        Lanes lanes = lanes();
        if (lanes == null || n < MIN_SPLIT_ELEMENTS) {
            op.apply(0, n);
            return;
        }
        int parts = lanes.threads();
        lanes.split(parts, p -> {
            int from = blockStart(n, parts, p);
            int len = blockStart(n, parts, p + 1) - from;
            if (len > 0) {
                op.apply(from, len);
            }
        });
    }

    /** Element-wise calls on fewer elements than this are not split between lanes (about 50 microseconds of copying). */
    static final int MIN_SPLIT_ELEMENTS = 1 << 16;

    /**
     * Sum of squares of a plain array, through BLAS dot (no allocation), accumulated in double. Never split between
     * lanes: partial sums would round differently from the one call a one-thread run makes.
     */
    static double sumSquares(INDArray x) {
        if (!plain(x)) {
            double n = x.norm2Number().doubleValue();
            return n * n;
        }
        int n = (int) x.length();
        if (x.dataType() == DataType.DOUBLE) {
            DoublePointer p = doubles(x, 0);
            return openblas_nolapack.cblas_ddot(n, p, 1, p, 1);
        }
        FloatPointer p = floats(x, 0);
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
            ranges(n, (from, len) -> doubles(x, from).get(out, from, len));
        } else {
            // widened a chunk at a time through a buffer the thread keeps: no float[] the size of the array
            float[] chunk = FLOAT_CHUNK.get();
            FloatPointer from = new FloatPointer(pointer(x));
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
        boolean timed = timing;
        long t0 = timed ? System.nanoTime() : 0;
        Lanes lanes = lanes();
        if (lanes == null || (double) m * n * k < MIN_SPLIT) {
            gemm(c.dataType(), transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, c, 0, ldc);
        } else if (m >= n) {
            // blocks of C's rows: A's rows (its columns when transposed)
            int parts = lanes.parts((double) m * n * k);
            lanes.split(parts, p -> {
                int from = blockStart(m, parts, p);
                int to = blockStart(m, parts, p + 1);
                gemm(c.dataType(), transA, transB, to - from, n, k, alpha, a, transA ? (long) from * lda : from, lda,
                        b, 0, ldb, c, from, ldc);
            });
        } else {
            // blocks of C's columns: B's columns (its rows when transposed)
            int parts = lanes.parts((double) m * n * k);
            lanes.split(parts, p -> {
                int from = blockStart(n, parts, p);
                int to = blockStart(n, parts, p + 1);
                gemm(c.dataType(), transA, transB, m, to - from, k, alpha, a, 0, lda, b,
                        transB ? from : (long) from * ldb, ldb, c, (long) from * ldc, ldc);
            });
        }
        if (timed) {
            NANOS.add(System.nanoTime() - t0);
        }
    }

    /**
     * GEMMs of fewer multiply-adds than this are not split between lanes: the whole takes about a tenth of a
     * millisecond on one core, less than a sleeping helper can take to wake.
     */
    static final double MIN_SPLIT = 1 << 21;

    /**
     * The lanes that share the GEMMs of the calling thread's run ({@link Trainer.SpectraMode#SHARED}); none
     * (every call one BLAS call) unless the trainer set them.
     */
    private static final ThreadLocal<Lanes> LANES = new ThreadLocal<>();

    /** The calling thread's lanes when it has more than one, else null. */
    private static Lanes lanes() {
        Lanes lanes = LANES.get();
        return lanes != null && lanes.threads() > 1 ? lanes : null;
    }

    /** Splits this thread's GEMMs between {@code lanes} from now on (null: no longer). */
    static void lanes(Lanes lanes) {
        if (lanes == null) {
            LANES.remove();
        } else {
            LANES.set(lanes);
        }
    }

    /**
     * Blocks start at multiples of this. OpenBLAS's kernels compute C in tiles of 4 to 32 rows or columns, and a tile
     * cut short by a block's end is computed by an edge kernel that can round differently (sgemm did, at a block
     * starting at row 152); blocks on a multiple of every tile size keep the whole call's tiles.
     */
    static final int BLOCK_ALIGN = 64;

    /** Where block p of {@code parts} of [0, n) starts: about equal blocks, each a multiple of {@link #BLOCK_ALIGN} but the last. */
    static int blockStart(int n, int parts, int p) {
        if (p >= parts) {
            return n;
        }
        long even = (long) n * p / parts;
        return (int) Math.min(n, (even + BLOCK_ALIGN / 2) / BLOCK_ALIGN * BLOCK_ALIGN);
    }

    /** One BLAS call on the arrays' buffers, the operands starting {@code offA}, {@code offB}, {@code offC} elements in. */
    private static void gemm(DataType type, boolean transA, boolean transB, int m, int n, int k, double alpha, INDArray a,
            long offA, int lda, INDArray b, long offB, int ldb, INDArray c, long offC, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        int ta = transA ? CblasTrans : CblasNoTrans;
        int tb = transB ? CblasTrans : CblasNoTrans;
        if (type == DataType.DOUBLE) {
            openblas_nolapack.cblas_dgemm(CblasColMajor, ta, tb, m, n, k, alpha, doubles(a, offA), lda, doubles(b, offB),
                    ldb, 0.0, doubles(c, offC), ldc);
        } else {
            openblas_nolapack.cblas_sgemm(CblasColMajor, ta, tb, m, n, k, (float) alpha, floats(a, offA), lda,
                    floats(b, offB), ldb, 0.0f, floats(c, offC), ldc);
        }
    }

    /** The array's buffer from element {@code offset} on (the buffer's own pointer when 0: nothing allocated). */
    private static DoublePointer doubles(INDArray x, long offset) {
        DoublePointer p = (DoublePointer) pointer(x);
        return offset == 0 ? p : new DoublePointer(p).position(offset);
    }

    private static FloatPointer floats(INDArray x, long offset) {
        FloatPointer p = (FloatPointer) pointer(x);
        return offset == 0 ? p : new FloatPointer(p).position(offset);
    }

    /**
     * The typed pointer a plain array's buffer keeps ({@code DataBuffer.pointer()}). {@code addressPointer()}
     * asks the native side for the address and wraps it in two new objects at every call, 0.1-0.35 us: 5%
     * of a 40-30-20 run, whose GEMMs take microseconds each.
     */
    private static org.bytedeco.javacpp.Pointer pointer(INDArray x) {
        org.bytedeco.javacpp.Pointer p = x.data().pointer();
        boolean typed = x.dataType() == DataType.DOUBLE ? p instanceof DoublePointer : p instanceof FloatPointer;
        return typed && p.position() == 0 ? p : x.data().addressPointer();
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
        Lanes lanes = lanes();
        // blocks of B's columns are independent
        int parts = lanes == null || (double) m * m * n / 2 < MIN_SPLIT ? 1 : lanes.threads();
        IntConsumer part = p -> {
            int from = blockStart(n, parts, p);
            int cols = blockStart(n, parts, p + 1) - from;
            if (cols == 0) {
                return;
            }
            long off = (long) from * m;
            if (b.dataType() == DataType.DOUBLE) {
                openblas_nolapack.cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, tl, CblasNonUnit, m, cols, alpha,
                        doubles(l, 0), m, doubles(b, off), m);
            } else {
                openblas_nolapack.cblas_strmm(CblasColMajor, CblasLeft, CblasLower, tl, CblasNonUnit, m, cols,
                        (float) alpha, floats(l, 0), m, floats(b, off), m);
            }
        };
        if (parts == 1) {
            part.accept(0);
        } else {
            lanes.split(parts, part);
        }
        if (timed) {
            NANOS.add(System.nanoTime() - t0);
        }
    }
}
