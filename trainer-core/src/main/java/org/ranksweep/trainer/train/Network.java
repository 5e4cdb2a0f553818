package org.ranksweep.trainer.train;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ranksweep.trainer.config.Activation;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.linalg.Transpose;

/**
 * A fully connected network without biases, f(X) = phi_H(W_H phi(... phi(W_1 X))), its loss
 * 1/2 ||f(X) - Y||_F^2 (divided by m for {@code mean}) and the gradients by backpropagation. All
 * arrays are ND4J, f-ordered (column-major, what BLAS wants), and every per-step buffer is allocated
 * once per batch size and reused. A step runs no ND4J op: GEMMs and level-1 BLAS go to cblas on the
 * buffers ({@link Gemm}), element-wise work is Java loops on them ({@link Kernels}), so it allocates no
 * native memory and several runs on threads of one JVM do not contend.
 *
 * <p>Layout: the weights and gradients are held transposed (W_i^T, d_(i-1) x d_i), and the data,
 * activations and deltas with one row per sample (X^T, m x d_0). Every GEMM of a full-batch pass then has
 * the long side (the samples, or d_(i-1) for a gradient) as the rows of its result, the shape OpenBLAS
 * splits best over threads: Figure 1's pass on two threads ran at 56 GFLOP/s against 51 with weights and
 * activations the other way round (one thread: 34 against 33).
 *
 * <p>Forward: A_0 = X, Z_i = W_i In_(i-1), A_i = phi_i(Z_i), In_i = A_i (or A_i .* M_i under dropout,
 * hidden layers only). Backward: D_H = s (A_H - Y) .* phi_H'; dW_i = D_i In_(i-1)^T;
 * D_(i-1) = (W_i^T D_i) .* M_(i-1) .* phi_(i-1)', with s = 1 or 1/m.
 */
final class Network implements AutoCloseable {
    final int depth;
    final int[] widths;
    final DataType dtype;
    final Activation hidden;
    final Activation output;
    final LossKind lossKind;
    /** w[i] is W_(i+1)^T (d_i x d_(i+1)): see the class comment. */
    final INDArray[] w;
    /** g[i] is the gradient of W_(i+1) from the last backward pass, transposed as w[i] is. */
    final INDArray[] g;
    private final Map<Integer, Workspace> workspaces = new HashMap<>();
    private FactorWorkspace factorWorkspace;

    Network(int[] widths, Activation hidden, Activation output, LossKind lossKind, DataType dtype,
            double[][] initial) {
        this.depth = widths.length - 1;
        this.widths = widths.clone();
        this.hidden = hidden;
        this.output = output;
        this.lossKind = lossKind;
        this.dtype = dtype;
        this.w = new INDArray[depth];
        this.g = new INDArray[depth];
        for (int i = 0; i < depth; i++) {
            w[i] = transposed(initial[i], widths[i + 1], widths[i], dtype);
            g[i] = NativeArrays.zeros(dtype, widths[i], widths[i + 1]);
        }
    }

    /** A column-major double[] as an f-ordered ND4J matrix of the given type. */
    static INDArray matrix(double[] colMajor, int rows, int cols, DataType dtype) {
        requireLength(colMajor, rows, cols);
        INDArray a = NativeArrays.zeros(dtype, rows, cols);
        Kernels.Buf out = Kernels.buf(a);
        for (int i = 0; i < colMajor.length; i++) {
            out.set(i, colMajor[i]);
        }
        return a;
    }

    /**
     * The transpose (cols x rows) of a column-major rows x cols double[], as an f-ordered ND4J matrix of the
     * given type: the data as the network takes it (one row per sample), and the weights as it holds them.
     */
    static INDArray transposed(double[] colMajor, int rows, int cols, DataType dtype) {
        requireLength(colMajor, rows, cols);
        INDArray t = NativeArrays.zeros(dtype, cols, rows);
        transposeInto(colMajor, rows, cols, t);
        return t;
    }

    private static void requireLength(double[] colMajor, int rows, int cols) {
        if (colMajor.length != rows * cols) {
            throw new IllegalArgumentException(colMajor.length + " values cannot be " + rows + "x" + cols);
        }
    }

    /** Writes the transpose of a column-major rows x cols double[] into the plain cols x rows matrix {@code t}. */
    private static void transposeInto(double[] colMajor, int rows, int cols, INDArray t) {
        Kernels.Buf out = Kernels.buf(t);
        // as Transpose.into does, but straight into the native buffer (ND4J's dup('f') of the row-major
        // reading took 37 ms for Figure 1's data, against a few)
        for (int j0 = 0; j0 < cols; j0 += Transpose.BLOCK) {
            int j1 = Math.min(cols, j0 + Transpose.BLOCK);
            for (int i0 = 0; i0 < rows; i0 += Transpose.BLOCK) {
                int i1 = Math.min(rows, i0 + Transpose.BLOCK);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        out.set(i * cols + j, colMajor[j * rows + i]);
                    }
                }
            }
        }
    }

    /** Buffers for one batch size. */
    private final class Workspace {
        final INDArray[] act = new INDArray[depth + 1];    // act[i] = A_i^T (m x d_i), i >= 1
        final INDArray[] dropped = new INDArray[depth];    // A_i .* M_i for hidden i (dropout only)
        final INDArray[] mask = new INDArray[depth];
        /** delta[H] holds the residual A_H - Y first (the loss is read from it), then the output delta. */
        final INDArray[] delta = new INDArray[depth + 1];

        Workspace(int m) {
            for (int i = 1; i <= depth; i++) {
                act[i] = NativeArrays.zeros(dtype, m, widths[i]);
                delta[i] = NativeArrays.zeros(dtype, m, widths[i]);
            }
        }

        INDArray droppedBuffer(int i) {
            if (dropped[i] == null) {
                dropped[i] = NativeArrays.zeros(dtype, act[i].rows(), widths[i]);
                mask[i] = NativeArrays.zeros(dtype, act[i].rows(), widths[i]);
            }
            return dropped[i];
        }

        long elements() {
            long n = 0;
            for (INDArray[] group : new INDArray[][] {act, dropped, mask, delta}) {
                for (INDArray a : group) {
                    n += a == null ? 0 : a.length();
                }
            }
            return n;
        }

        void close() {
            for (INDArray[] group : new INDArray[][] {act, dropped, mask, delta}) {
                for (INDArray a : group) {
                    if (a != null) {
                        NativeArrays.release(a);
                    }
                }
            }
        }
    }

    /** How the hidden activations are perturbed in a forward pass. */
    static final class Dropout {
        static final Dropout NONE = new Dropout(false, 0, null);
        final boolean gaussian;
        final double param;
        final NoiseSource rng;

        private Dropout(boolean gaussian, double param, NoiseSource rng) {
            this.gaussian = gaussian;
            this.param = param;
            this.rng = rng;
        }

        /** Multiplicative N(1, sigma^2) noise. */
        static Dropout gaussian(double sigma, NoiseSource rng) {
            return new Dropout(true, sigma, rng);
        }

        /** Drop with probability p, survivors scaled by 1/(1-p). */
        static Dropout bernoulli(double p, NoiseSource rng) {
            return new Dropout(false, p, rng);
        }

        boolean active() {
            return rng != null;
        }
    }

    private Workspace workspace(int m) {
        return workspaces.computeIfAbsent(m, Workspace::new);
    }

    /**
     * Forward and backward pass on (x, y), one row per sample (X^T and Y^T: m x d_0 and m x d_H, see
     * {@link #transposed}): fills {@link #g} and returns the loss. With {@code gradients} false only the
     * loss is computed.
     */
    double lossAndGradients(INDArray x, INDArray y, Dropout dropout, boolean gradients) {
        int m = Math.toIntExact(x.rows());
        Workspace ws = workspace(m);
        INDArray in = x;
        for (int i = 1; i <= depth; i++) {
            Gemm.mul(in, w[i - 1], ws.act[i], false, false);
            Kernels.activate(i == depth ? output : hidden, ws.act[i]);
            if (i < depth && dropout.active()) {
                INDArray out = ws.droppedBuffer(i);
                INDArray mask = ws.mask[i];
                if (dropout.gaussian) {
                    dropout.rng.gaussian(mask, 1.0, dropout.param);
                } else {
                    dropout.rng.invertedDropout(mask, dropout.param);
                }
                Kernels.multiply(ws.act[i], mask, out);
                in = out;
            } else {
                in = ws.act[i];
            }
        }
        INDArray d = Gemm.copy(ws.act[depth], ws.delta[depth]);
        Gemm.axpy(-1.0, y, d);
        double scale = lossKind == LossKind.MEAN ? 1.0 / m : 1.0;
        double loss = 0.5 * Gemm.sumSquares(d) * scale;
        if (!gradients) {
            return loss;
        }
        if (scale != 1.0) {
            Kernels.scale(d, scale);
        }
        Kernels.multiplyDerivative(output, ws.act[depth], d);
        for (int i = depth; i >= 1; i--) {
            INDArray prev = i == 1 ? x : (dropout.active() ? ws.dropped[i - 1] : ws.act[i - 1]);
            Gemm.mul(prev, ws.delta[i], g[i - 1], true, false);
            if (i > 1) {
                INDArray dp = ws.delta[i - 1];
                Gemm.mul(ws.delta[i], w[i - 1], dp, false, true);
                if (dropout.active()) {
                    Kernels.multiply(dp, ws.mask[i - 1], dp);
                }
                Kernels.multiplyDerivative(hidden, ws.act[i - 1], dp);
            }
        }
        return loss;
    }

    /**
     * A full-batch linear network's view of the data: X = L Q^T (L d_0 x p, p = min(m, d_0)), Y Q and
     * ||Y - Y Q Q^T||_F^2 (see {@link org.ranksweep.trainer.data.DataAnalysis}). The loss and gradients
     * at every step then cost O(d_0 p d_H + d_0 sum_i d_i d_(i-1)), whatever the number of samples.
     */
    static final class Factors implements AutoCloseable {
        final INDArray l;
        /** (Y Q)^T, p x d_H. */
        final INDArray yq;
        final double residual;
        final int samples;
        /** L square (p = d_0), so its products are triangular (TRMM, half the work). */
        final boolean square;

        Factors(double[] l, double[] yq, int inputs, int outputs, int p, double residual, int samples,
                DataType dtype) {
            this.l = matrix(l, inputs, p, dtype);
            this.yq = transposed(yq, outputs, p, dtype);
            this.residual = residual;
            this.samples = samples;
            this.square = p == inputs;
        }

        long bytes() {
            return (l.length() + yq.length()) * l.dataType().width();
        }

        @Override
        public void close() {
            NativeArrays.release(l);
            NativeArrays.release(yq);
        }
    }

    /** Buffers of the sufficient-statistics pass. */
    private final class FactorWorkspace {
        /** prefix[i] = (W_i ... W_1)^T (d_0 x d_i) for i >= 2; prefix[1] is w[0] = W_1^T itself. */
        final INDArray[] prefix = new INDArray[depth + 1];
        /** delta[i] = (dLoss/dP_i)^T (d_0 x d_i) for i >= 2. */
        final INDArray[] delta = new INDArray[depth + 1];
        /** E^T (p x d_H). */
        final INDArray residual;

        FactorWorkspace(int p) {
            for (int i = 2; i <= depth; i++) {
                prefix[i] = NativeArrays.zeros(dtype, widths[0], widths[i]);
                delta[i] = NativeArrays.zeros(dtype, widths[0], widths[i]);
            }
            residual = NativeArrays.zeros(dtype, p, widths[depth]);
        }

        void close() {
            for (int i = 2; i <= depth; i++) {
                NativeArrays.release(prefix[i]);
                NativeArrays.release(delta[i]);
            }
            NativeArrays.release(residual);
        }
    }

    /**
     * The clean loss and gradients of a linear network from the data's factors alone (no dropout):
     * the same values as {@link #lossAndGradients} with {@code Dropout.NONE}, up to rounding. With
     * P_i = W_i...W_1, R = P_H and E = R L - Y Q: loss = s/2 (||E||^2 + ||Y - Y Q Q^T||^2),
     * dLoss/dR = s E L^T, then dW_i = (W_(i+1)^T ... W_H^T dLoss/dR) P_(i-1)^T; all of them transposed,
     * as the weights are held.
     */
    double lossAndGradients(Factors f) {
        if (hidden != Activation.LINEAR || output != Activation.LINEAR) {
            throw new IllegalStateException("the sufficient-statistics pass needs a linear network");
        }
        int p = Math.toIntExact(f.l.columns());
        if (factorWorkspace == null) {
            factorWorkspace = new FactorWorkspace(p);
        }
        FactorWorkspace ws = factorWorkspace;
        INDArray[] prefix = ws.prefix;
        prefix[1] = w[0];
        for (int i = 2; i <= depth; i++) {
            Gemm.mul(prefix[i - 1], w[i - 1], prefix[i], false, false);
        }
        // E^T = L^T R^T - (Y Q)^T
        INDArray e = ws.residual;
        if (f.square) {
            Gemm.copy(prefix[depth], e);
            Gemm.mulLowerLeft(1.0, f.l, e, true);
        } else {
            Gemm.mul(f.l, prefix[depth], e, true, false);
        }
        Gemm.axpy(-1.0, f.yq, e);
        double scale = lossKind == LossKind.MEAN ? 1.0 / f.samples : 1.0;
        double loss = 0.5 * (Gemm.sumSquares(e) + f.residual) * scale;
        // (dLoss/dR)^T = s L E^T lands in delta[H], or straight in g[0] for a single layer
        INDArray top = depth == 1 ? g[0] : ws.delta[depth];
        if (f.square) {
            Gemm.copy(e, top);
            Gemm.mulLowerLeft(scale, f.l, top, false);
        } else {
            Gemm.mul(scale, f.l, e, top, false, false);
        }
        for (int i = depth; i >= 2; i--) {
            Gemm.mul(prefix[i - 1], ws.delta[i], g[i - 1], true, false);
            Gemm.mul(ws.delta[i], w[i - 1], i == 2 ? g[0] : ws.delta[i - 1], false, true);
        }
        return loss;
    }

    /**
     * R^T = (W_H...W_1)^T (d_0 x d_H, column-major) as the last sufficient-statistics pass made it (weights
     * unchanged since), into {@code into} when it has R's length.
     */
    double[] productOfLastFactorPass(double[] into) {
        if (factorWorkspace == null) {
            throw new IllegalStateException("no sufficient-statistics pass yet");
        }
        return Gemm.toDoubles(depth == 1 ? w[0] : factorWorkspace.prefix[depth], into);
    }

    /** Bytes of native memory this network holds (weights, gradients, every workspace so far). */
    long bytes() {
        long n = 0;
        for (int i = 0; i < depth; i++) {
            n += w[i].length() + g[i].length();
        }
        for (Workspace ws : workspaces.values()) {
            n += ws.elements();
        }
        if (factorWorkspace != null) {
            n += factorWorkspace.residual.length();
            for (int i = 2; i <= depth; i++) {
                n += factorWorkspace.prefix[i].length() + factorWorkspace.delta[i].length();
            }
        }
        return n * dtype.width();
    }

    /** sqrt(sum_i ||g_i||_F^2). */
    double gradientNorm() {
        double s = 0;
        for (INDArray gi : g) {
            s += Gemm.sumSquares(gi);
        }
        return Math.sqrt(s);
    }

    /** W_i -= lr * g_i for every layer. */
    void step(double lr) {
        for (int i = 0; i < depth; i++) {
            Gemm.axpy(-lr, g[i], w[i]);
        }
    }

    /** Whether every weight is finite. */
    boolean weightsFinite() {
        for (INDArray wi : w) {
            if (!Double.isFinite(Gemm.sumSquares(wi))) {
                return false;
            }
        }
        return true;
    }

    /** W_(i+1) (d_(i+1) x d_i) as a column-major double[]. */
    double[] weights(int i) {
        return Transpose.of(Gemm.toDoubles(w[i]), widths[i], widths[i + 1]);
    }

    /**
     * W_(i+1)^T (d_i x d_(i+1)) as a column-major double[] (as held: a plain copy), into {@code into} when it
     * has the length.
     */
    double[] transposedWeights(int i, double[] into) {
        return Gemm.toDoubles(w[i], into);
    }

    /** Sets W_(i+1) from a column-major d_(i+1) x d_i double[]. */
    void setWeights(int i, double[] colMajor) {
        requireLength(colMajor, widths[i + 1], widths[i]);
        transposeInto(colMajor, widths[i + 1], widths[i], w[i]);
    }

    @Override
    public void close() {
        for (Workspace ws : workspaces.values()) {
            ws.close();
        }
        workspaces.clear();
        if (factorWorkspace != null) {
            factorWorkspace.close();
            factorWorkspace = null;
        }
        for (int i = 0; i < depth; i++) {
            NativeArrays.release(w[i]);
            NativeArrays.release(g[i]);
        }
    }
}
