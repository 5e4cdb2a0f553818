package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ranksweep.trainer.config.ConfigException;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataAnalysis;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.data.Dataset;

/**
 * The sufficient-statistics path computes what the direct path computes: one pass's loss and
 * gradients, and whole trajectories under every noise type it serves, to {@link #RELATIVE}.
 */
class SufficientStatisticsTest {
    /** The bound on the two paths' disagreement, relative to each quantity's size. */
    private static final double RELATIVE = 1e-10;
    /** One pass: both are a few roundings from the exact value. */
    private static final double ONE_PASS = 1e-12;

    /** Architectures and sample counts: L square (m &gt; d_0, m = d_0) and trapezoidal (m &lt; d_0); depth 1 to 4. */
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of("12-8-5:linear", 40), Arguments.of("12-8-5:linear", 12),
                Arguments.of("12-8-5:linear", 7), Arguments.of("9-6-4:linear", 25),
                Arguments.of("10-9-8-7-6:linear", 30), Arguments.of("6-10-8:linear", 20));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void onePassMatchesTheDirectPass(String arch, int m) {
        for (LossKind loss : LossKind.values()) {
            RunConfig c = RunConfig.builder().architecture(arch).init(InitScheme.GAUSSIAN).initScale(0.4).loss(loss)
                    .seed(3).data(DataSpec.synthetic(0, 0, m, 5, 0.2)).build();
            Dataset ds = DataLoader.load(c.data);
            DataAnalysis a = DataAnalysis.of(ds);
            try (Network direct = network(c); Network fromStats = network(c);
                    Network.Factors f = new Network.Factors(a.xFactor(), a.yProjected(), ds.inputs, ds.outputs,
                            a.factorRank, a.residual, ds.samples, DataType.DOUBLE)) {
                INDArray x = Network.transposed(ds.x, ds.inputs, ds.samples, DataType.DOUBLE);
                INDArray y = Network.transposed(ds.y, ds.outputs, ds.samples, DataType.DOUBLE);
                double l1 = direct.lossAndGradients(x, y, Network.Dropout.NONE, true);
                double l2 = fromStats.lossAndGradients(f);
                assertEquals(l1, l2, ONE_PASS * l1, arch + " m=" + m + " " + loss + " loss");
                for (int i = 0; i < direct.depth; i++) {
                    assertClose(direct.weights(i), direct.g[i].data().asDouble(), fromStats.g[i].data().asDouble(),
                            ONE_PASS, arch + " m=" + m + " " + loss + " dW" + (i + 1));
                }
                x.close();
                y.close();
            }
        }
    }

    /** The gradient's scale for comparing: {@code reference}'s own size (weights are a fallback for tiny gradients). */
    private static void assertClose(double[] scale, double[] expected, double[] actual, double tol, String what) {
        double norm = Math.max(norm(expected), 1e-3 * norm(scale));
        double diff = 0;
        for (int k = 0; k < expected.length; k++) {
            diff += (expected[k] - actual[k]) * (expected[k] - actual[k]);
        }
        assertTrue(Math.sqrt(diff) <= tol * norm, what + ": |difference| " + Math.sqrt(diff) + " against size " + norm);
    }

    private static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    private static Network network(RunConfig c) {
        return new Network(c.widths, c.hiddenActivation, c.outputActivation, c.loss, DataType.DOUBLE,
                Initializer.initialWeights(c));
    }

    static Stream<Arguments> trajectories() {
        return Stream.of(
                Arguments.of("12-8-5:linear", 40, NoiseType.NONE, 0.0),
                Arguments.of("12-8-5:linear", 7, NoiseType.GRADIENT, 0.01),
                Arguments.of("10-9-8-7-6:linear", 30, NoiseType.GRADIENT, 0.01),
                Arguments.of("12-8-5:linear", 40, NoiseType.JIN_PGD, 0.05),
                Arguments.of("6-6-6:linear", 40, NoiseType.SPECTRAL, 0.01),
                Arguments.of("9-6-4:linear", 25, NoiseType.INPUT, 0.0));
    }

    /**
     * 40 epochs from a rank-deficient start, checkpoint every 2 epochs: every recorded number and the final
     * weights. Spectral noise lifts the singular vectors of a zero singular value, which rounding picks
     * when that value is repeated, so its case has square layers one short of full rank: one zero each.
     * Even then the sign of u v^T follows the sign of a rounding-level value, so both paths may lift by
     * +/- sigma u v^T: its recorded trajectory (loss, spectrum of R, ranks) must agree, the weights need not.
     */
    @ParameterizedTest
    @MethodSource("trajectories")
    void trajectoriesMatchTheDirectPath(String arch, int m, NoiseType noise, double sigma) {
        int rank = noise == NoiseType.SPECTRAL ? 5 : 2;
        RunConfig c = RunConfig.builder().architecture(arch).init(InitScheme.BALANCED_LOW_RANK).initRank(rank)
                .initScale(0.3).learningRate(0.02).epochs(40).checkpointEvery(2).noise(noise).sigma(sigma)
                .jinGradThreshold(1e6).jinInterval(5).seed(4).data(DataSpec.synthetic(0, 0, m, 6, 0.1)).build();
        Dataset ds = DataLoader.load(c.data);
        Trainer.Outcome direct = Trainer.runKeepingWeights(c, ds, Trainer.Path.DIRECT);
        Trainer.Outcome stats = Trainer.runKeepingWeights(c, ds, Trainer.Path.SUFFICIENT_STATISTICS);
        assertEquals("direct", direct.result.path);
        assertEquals("sufficient-statistics", stats.result.path);
        assertEquals(RunStatus.COMPLETED, direct.result.status, direct.result.error);
        assertEquals(RunStatus.COMPLETED, stats.result.status, stats.result.error);
        Checkpoint[] a = direct.result.checkpoints;
        Checkpoint[] b = stats.result.checkpoints;
        assertEquals(21, a.length);
        assertEquals(a.length, b.length);
        for (int k = 0; k < a.length; k++) {
            String at = noise + " " + arch + " epoch " + a[k].epoch;
            assertEquals(a[k].loss, b[k].loss, RELATIVE * a[k].loss, at + " loss");
            assertEquals(a[k].gradNorm, b[k].gradNorm, RELATIVE * a[k].gradNorm, at + " gradient norm");
            assertClose(a[k].singularValues, a[k].singularValues, b[k].singularValues, RELATIVE, at + " spectrum");
            assertArrayEquals(a[k].ranks, b[k].ranks, at + " ranks");
        }
        for (int i = 0; noise != NoiseType.SPECTRAL && i < direct.weights.length; i++) {
            assertClose(direct.weights[i], direct.weights[i], stats.weights[i], RELATIVE, noise + " final W" + (i + 1));
        }
        // the direct path holds X and Y (m columns), the other L and Y Q (p = min(m, d_0) columns) instead
        long p = Math.min(m, ds.inputs);
        assertTrue(direct.result.nativeBytes >= (ds.inputs + ds.outputs) * (long) m * Double.BYTES,
                "direct path native bytes " + direct.result.nativeBytes);
        assertTrue(stats.result.nativeBytes >= (ds.inputs + ds.outputs) * p * Double.BYTES,
                "sufficient-statistics path native bytes " + stats.result.nativeBytes);
    }

    @Test
    void autoTakesTheCheaperPathWhereItIsExact() {
        RunConfig.Builder figure1 = RunConfig.builder().architecture("1000-500-250:linear")
                .data(DataSpec.synthetic(0, 0, 1000, 7, 0.1));
        assertEquals(Trainer.Path.SUFFICIENT_STATISTICS, Trainer.choosePath(figure1.build(), 1000));
        assertEquals(Trainer.Path.SUFFICIENT_STATISTICS,
                Trainer.choosePath(figure1.noise(NoiseType.GRADIENT).sigma(0.01).build(), 1000));
        // few samples: a pass over them is cheaper than the products with d_0 columns
        assertEquals(Trainer.Path.DIRECT, Trainer.choosePath(figure1.build(), 50));
        // not exact: noise in the data, dropout, mini-batches, a non-linear network
        assertEquals(Trainer.Path.DIRECT, Trainer.choosePath(figure1.noise(NoiseType.INPUT).sigma(0.01).build(), 1000));
        assertEquals(Trainer.Path.DIRECT,
                Trainer.choosePath(figure1.noise(NoiseType.BERNOULLI_DROPOUT).sigma(0.1).build(), 1000));
        assertEquals(Trainer.Path.DIRECT,
                Trainer.choosePath(figure1.noise(NoiseType.SGD).batchSize(10).build(), 1000));
        assertEquals(Trainer.Path.DIRECT,
                Trainer.choosePath(figure1.noise(NoiseType.NONE).architecture("1000-500-250:sigmoid").build(), 1000));
        // level 0 is plain gradient descent, whatever the noise type
        assertEquals(Trainer.Path.SUFFICIENT_STATISTICS,
                Trainer.choosePath(figure1.architecture("1000-500-250:linear").noise(NoiseType.OUTPUT).sigma(0).build(),
                        1000));
    }

    @Test
    void forcingItWhereItIsNotExactIsAConfigError() {
        RunConfig c = RunConfig.builder().architecture("6-5-4:tanh").data(DataSpec.synthetic(0, 0, 20, 1, 0.1)).build();
        ConfigException e = assertThrows(ConfigException.class,
                () -> Trainer.run(c, DataLoader.load(c.data), Trainer.SpectraMode.IN_LINE, Trainer.Path.SUFFICIENT_STATISTICS));
        assertTrue(e.getMessage().contains("path"), e.getMessage());
    }
}
