package org.ranksweep.trainer.train;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.ranksweep.trainer.config.Activation;
import org.ranksweep.trainer.config.LossKind;

/**
 * A fully connected network without biases, f(X) = phi_H(W_H phi(... phi(W_1 X))), its loss
 * 1/2 ||f(X) - Y||_F^2 (divided by m for {@code mean}) and the gradients by backpropagation. All
 * arrays are ND4J, f-ordered (column-major, what BLAS wants), and every per-step buffer is allocated
 * once per batch size and reused: a step allocates nothing but ND4J's scalar results.
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
    /** w[i] is W_(i+1) (d_(i+1) x d_i). */
    final INDArray[] w;
    /** g[i] is the gradient of W_(i+1) from the last backward pass. */
    final INDArray[] g;
    private final Map<Integer, Workspace> workspaces = new HashMap<>();

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
            w[i] = matrix(initial[i], widths[i + 1], widths[i], dtype);
            g[i] = Nd4j.create(dtype, new long[] {widths[i + 1], widths[i]}, 'f');
        }
    }

    /** A column-major double[] as an f-ordered ND4J matrix of the given type. */
    static INDArray matrix(double[] colMajor, int rows, int cols, DataType dtype) {
        INDArray a = Nd4j.create(colMajor, new long[] {rows, cols}, 'f');
        if (dtype == DataType.DOUBLE) {
            return a;
        }
        INDArray c = a.castTo(dtype);
        a.close();
        return c;
    }

    /** Buffers for one batch size. */
    private final class Workspace {
        final INDArray[] act = new INDArray[depth + 1];    // act[i] = A_i, i >= 1
        final INDArray[] dropped = new INDArray[depth];    // A_i .* M_i for hidden i (dropout only)
        final INDArray[] mask = new INDArray[depth];
        final INDArray[] delta = new INDArray[depth + 1];
        final INDArray[] scratch = new INDArray[depth + 1];
        final INDArray residual;

        Workspace(int m) {
            for (int i = 1; i <= depth; i++) {
                long[] shape = {widths[i], m};
                act[i] = Nd4j.create(dtype, shape, 'f');
                delta[i] = Nd4j.create(dtype, shape, 'f');
                scratch[i] = Nd4j.create(dtype, shape, 'f');
            }
            residual = Nd4j.create(dtype, new long[] {widths[depth], m}, 'f');
        }

        INDArray droppedBuffer(int i) {
            if (dropped[i] == null) {
                dropped[i] = Nd4j.create(dtype, new long[] {widths[i], act[i].columns()}, 'f');
                mask[i] = Nd4j.create(dtype, new long[] {widths[i], act[i].columns()}, 'f');
            }
            return dropped[i];
        }

        void close() {
            for (INDArray[] group : new INDArray[][] {act, dropped, mask, delta, scratch}) {
                for (INDArray a : group) {
                    if (a != null) {
                        a.close();
                    }
                }
            }
            residual.close();
        }
    }

    /** How the hidden activations are perturbed in a forward pass. */
    static final class Dropout {
        static final Dropout NONE = new Dropout(false, 0, null);
        final boolean gaussian;
        final double param;
        final Random rng;

        private Dropout(boolean gaussian, double param, Random rng) {
            this.gaussian = gaussian;
            this.param = param;
            this.rng = rng;
        }

        /** Multiplicative N(1, sigma^2) noise. */
        static Dropout gaussian(double sigma, Random rng) {
            return new Dropout(true, sigma, rng);
        }

        /** Drop with probability p, survivors scaled by 1/(1-p). */
        static Dropout bernoulli(double p, Random rng) {
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
     * Forward and backward pass on (x, y) (d_0 x m and d_H x m): fills {@link #g} and returns the loss.
     * With {@code gradients} false only the loss is computed.
     */
    double lossAndGradients(INDArray x, INDArray y, Dropout dropout, boolean gradients) {
        int m = Math.toIntExact(x.columns());
        Workspace ws = workspace(m);
        INDArray in = x;
        for (int i = 1; i <= depth; i++) {
            Gemm.mul(w[i - 1], in, ws.act[i], false, false);
            activate(i == depth ? output : hidden, ws.act[i]);
            if (i < depth && dropout.active()) {
                INDArray out = ws.droppedBuffer(i);
                INDArray mask = ws.mask[i];
                if (dropout.gaussian) {
                    Nd4j.getExecutioner().exec(new GaussianDistribution(mask, 1.0, dropout.param), dropout.rng);
                } else {
                    Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, 1.0 - dropout.param), dropout.rng);
                    mask.muli(1.0 / (1.0 - dropout.param));
                }
                out.assign(ws.act[i]).muli(mask);
                in = out;
            } else {
                in = ws.act[i];
            }
        }
        INDArray r = Gemm.copy(ws.act[depth], ws.residual);
        Gemm.axpy(-1.0, y, r);
        double scale = lossKind == LossKind.MEAN ? 1.0 / m : 1.0;
        double loss = 0.5 * Gemm.sumSquares(r) * scale;
        if (!gradients) {
            return loss;
        }
        INDArray d = Gemm.copy(r, ws.delta[depth]);
        if (scale != 1.0) {
            d.muli(scale);
        }
        multiplyDerivative(output, ws.act[depth], ws.scratch[depth], d);
        for (int i = depth; i >= 1; i--) {
            INDArray prev = i == 1 ? x : (dropout.active() ? ws.dropped[i - 1] : ws.act[i - 1]);
            Gemm.mul(ws.delta[i], prev, g[i - 1], false, true);
            if (i > 1) {
                INDArray dp = ws.delta[i - 1];
                Gemm.mul(w[i - 1], ws.delta[i], dp, true, false);
                if (dropout.active()) {
                    dp.muli(ws.mask[i - 1]);
                }
                multiplyDerivative(hidden, ws.act[i - 1], ws.scratch[i - 1], dp);
            }
        }
        return loss;
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

    /** W_i as a column-major double[]. */
    double[] weights(int i) {
        return w[i].data().asDouble();
    }

    private static void activate(Activation a, INDArray z) {
        switch (a) {
            case SIGMOID:
                Transforms.sigmoid(z, false);
                break;
            case TANH:
                Transforms.tanh(z, false);
                break;
            case RELU:
                Transforms.relu(z, false);
                break;
            default:
                break;
        }
    }

    /** d .*= phi'(Z), written through the activation's output A = phi(Z). */
    private static void multiplyDerivative(Activation a, INDArray act, INDArray scratch, INDArray d) {
        switch (a) {
            case SIGMOID: // s (1 - s)
                scratch.assign(act).rsubi(1.0).muli(act);
                d.muli(scratch);
                break;
            case TANH: // 1 - t^2
                scratch.assign(act).muli(act).rsubi(1.0);
                d.muli(scratch);
                break;
            case RELU: // 1 where A > 0 (A = relu(Z) >= 0, so sign(A) is the step)
                scratch.assign(act);
                Transforms.sign(scratch, false);
                d.muli(scratch);
                break;
            default:
                break;
        }
    }

    @Override
    public void close() {
        for (Workspace ws : workspaces.values()) {
            ws.close();
        }
        workspaces.clear();
        for (int i = 0; i < depth; i++) {
            w[i].close();
            g[i].close();
        }
    }
}
