package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ranksweep.trainer.TestMatrices;
import org.ranksweep.trainer.config.Activation;
import org.ranksweep.trainer.config.LossKind;

/** Backpropagated gradients of every architecture and activation against central finite differences. */
class GradientCheckTest {
    /** Step of the central difference; its error is O(h^2) times the third derivative. */
    private static final double H = 1e-5;
    /** Allowed |fd - backprop| relative to max(|fd|, |backprop|, FLOOR). */
    private static final double FD_REL = 1e-6;
    /** Round-off of a central difference is about eps * |L| / h; this many times that is allowed on top. */
    private static final double ROUNDOFF_FACTOR = 100;

    static Stream<Arguments> architectures() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {{5, 4, 3}, {6, 5, 4, 3}, {4, 7, 3, 5, 2}};
        for (int[] w : shapes) {
            for (Activation hidden : Activation.values()) {
                for (Activation output : new Activation[] {Activation.LINEAR, Activation.TANH, Activation.SIGMOID}) {
                    for (LossKind loss : LossKind.values()) {
                        out.add(Arguments.of(w, hidden, output, loss));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}/{2} {3}")
    @MethodSource("architectures")
    void gradientsMatchFiniteDifferences(int[] widths, Activation hidden, Activation output, LossKind loss) {
        Random rnd = new Random(java.util.Arrays.hashCode(widths) * 31 + hidden.ordinal() * 7 + output.ordinal());
        int m = 11;
        int h = widths.length - 1;
        double[][] w0 = new double[h][];
        for (int i = 0; i < h; i++) {
            w0[i] = TestMatrices.gaussian(rnd, widths[i + 1] * widths[i], 0.7);
        }
        INDArray x = Network.transposed(TestMatrices.gaussian(rnd, widths[0] * m, 1), widths[0], m, DataType.DOUBLE);
        INDArray y = Network.transposed(TestMatrices.gaussian(rnd, widths[h] * m, 1), widths[h], m, DataType.DOUBLE);
        try (Network net = new Network(widths, hidden, output, loss, DataType.DOUBLE, w0)) {
            double loss0 = net.lossAndGradients(x, y, Network.Dropout.NONE, true);
            double roundoff = ROUNDOFF_FACTOR * 0x1p-52 * Math.abs(loss0) / H;
            double[][] backprop = new double[h][];
            for (int i = 0; i < h; i++) {
                backprop[i] = net.g[i].data().asDouble();
            }
            for (int i = 0; i < h; i++) {
                INDArray wi = net.w[i];
                for (int k = 0; k < (int) wi.length(); k++) {
                    long row = k % wi.rows();
                    long col = k / wi.rows();
                    double orig = wi.getDouble(row, col);
                    wi.putScalar(row, col, orig + H);
                    double up = net.lossAndGradients(x, y, Network.Dropout.NONE, false);
                    wi.putScalar(row, col, orig - H);
                    double down = net.lossAndGradients(x, y, Network.Dropout.NONE, false);
                    wi.putScalar(row, col, orig);
                    double fd = (up - down) / (2 * H);
                    double bp = backprop[i][k];
                    double scale = Math.max(Math.abs(fd), Math.abs(bp));
                    assertTrue(Math.abs(fd - bp) <= FD_REL * scale + roundoff,
                            "W_" + (i + 1) + "^T[" + row + "," + col + "]: finite difference " + fd + ", backprop " + bp);
                }
            }
        } finally {
            x.close();
            y.close();
        }
    }

    @ParameterizedTest(name = "{0} {1}/{2} {3}")
    @MethodSource("architectures")
    void meanLossIsSumOverSamples(int[] widths, Activation hidden, Activation output, LossKind loss) {
        if (loss != LossKind.MEAN) {
            return;
        }
        Random rnd = new Random(5);
        int m = 9;
        int h = widths.length - 1;
        double[][] w0 = new double[h][];
        for (int i = 0; i < h; i++) {
            w0[i] = TestMatrices.gaussian(rnd, widths[i + 1] * widths[i], 0.5);
        }
        INDArray x = Network.transposed(TestMatrices.gaussian(rnd, widths[0] * m, 1), widths[0], m, DataType.DOUBLE);
        INDArray y = Network.transposed(TestMatrices.gaussian(rnd, widths[h] * m, 1), widths[h], m, DataType.DOUBLE);
        try (Network sum = new Network(widths, hidden, output, LossKind.SUM, DataType.DOUBLE, w0);
                Network mean = new Network(widths, hidden, output, LossKind.MEAN, DataType.DOUBLE, w0)) {
            double ls = sum.lossAndGradients(x, y, Network.Dropout.NONE, false);
            double lm = mean.lossAndGradients(x, y, Network.Dropout.NONE, false);
            assertEquals(ls / m, lm, TestMatrices.F64_TIGHT * ls);
        } finally {
            x.close();
            y.close();
        }
    }
}
