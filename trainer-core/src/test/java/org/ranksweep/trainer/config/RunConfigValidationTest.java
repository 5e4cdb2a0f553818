package org.ranksweep.trainer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ranksweep.trainer.data.DataSpec;

/** Bad run settings are refused with the field path and the value in the message. */
class RunConfigValidationTest {
    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad("zero width", b -> b.architecture("10-0-5:linear"), "architecture.widths[1]", "was 0"),
                bad("one layer", b -> b.architecture("10-5:linear"), "architecture", "[10, 5]"),
                bad("width not a number", b -> b.architecture("10-x-5"), "architecture.widths[1]", "'x'"),
                bad("unknown activation", b -> b.architecture("10-5-2:swish"), "architecture.activation", "'swish'"),
                bad("depth mismatch", b -> b.architecture("10-5-2:linear").depth(3), "depth", "was 3"),
                bad("negative sigma", b -> b.noise(NoiseType.GRADIENT).sigma(-0.1), "sigma", "was -0.1"),
                bad("NaN sigma", b -> b.noise(NoiseType.INPUT).sigma(Double.NaN), "sigma", "was NaN"),
                bad("dropout p = 1", b -> b.noise(NoiseType.BERNOULLI_DROPOUT).sigma(1), "sigma", "was 1.0"),
                bad("zero batch", b -> b.noise(NoiseType.SGD).batchSize(0), "batchSize", "was 0"),
                bad("batch > samples", b -> b.noise(NoiseType.SGD).batchSize(1000), "batchSize", "was 1000"),
                bad("zero learning rate", b -> b.learningRate(0), "train.learningRate", "was 0.0"),
                bad("no epochs", b -> b.epochs(0), "train.epochs", "was 0"),
                bad("checkpoint 0", b -> b.checkpointEvery(0), "train.checkpointEvery", "was 0"),
                bad("init rank too big", b -> b.init(InitScheme.BALANCED_LOW_RANK).initRank(9), "init.rank", "was 9"),
                bad("negative scale", b -> b.initScale(-1), "init.scale", "was -1.0"),
                bad("bad tolerance", b -> b.tolerances("numpy", "rel:abc"), "rank.tolerances[1]", "'rel:abc'"),
                bad("primary not listed", b -> b.primaryTolerance("rel:1e-2"), "rank.primary", "'rel:1e-2'"),
                bad("tolerance twice", b -> b.tolerances("rel:1e-3", "rel:0.001").primaryTolerance("rel:1e-3"),
                        "rank.tolerances[1]", "'rel:0.001'"),
                bad("missing x file", b -> b.data(DataSpec.files("/no/such/x.npy", "/no/such/y.npy")), "data.x",
                        "'/no/such/x.npy'"),
                bad("data inputs mismatch", b -> b.data(DataSpec.synthetic(7, 0, 50, 0, 0.1)), "data.inputs", "was 7"),
                bad("no samples", b -> b.data(DataSpec.synthetic(0, 0, 0, 0, 0.1)), "data.samples", "was 0"),
                bad("divergence factor", b -> b.divergenceFactor(0.5), "train.divergenceFactor", "was 0.5"));
    }

    private static Arguments bad(String name, Consumer<RunConfig.Builder> change, String field, String value) {
        return Arguments.of(name, change, field, value);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void refusedWithFieldAndValue(String name, Consumer<RunConfig.Builder> change, String field, String value) {
        RunConfig.Builder b = RunConfig.builder().architecture("10-6-4:linear")
                .data(DataSpec.synthetic(0, 0, 50, 0, 0.1));
        ConfigException e = assertThrows(ConfigException.class, () -> {
            change.accept(b);
            b.build();
        });
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(value), "'" + e.getMessage() + "' should name the value " + value);
    }

    @Test
    void parsesNamesAsUsersWriteThem() {
        assertEquals(NoiseType.GAUSSIAN_DROPOUT, NoiseType.parse("noise", "gaussian-dropout"));
        assertEquals("gaussian-dropout", NoiseType.GAUSSIAN_DROPOUT.toString());
        assertEquals(InitScheme.BALANCED_LOW_RANK, InitScheme.parse("init", "balanced-low-rank"));
        ConfigException e = assertThrows(ConfigException.class, () -> NoiseType.parse("grid.noise[3]", "salt"));
        assertTrue(e.getMessage().startsWith("grid.noise[3]: must be one of none, gradient"), e.getMessage());
        RunConfig c = RunConfig.builder().architecture("900-500-100:tanh:tanh").data(DataSpec.synthetic(0, 0, 50, 0, 0))
                .build();
        assertEquals(Activation.TANH, c.outputActivation);
        assertEquals("900-500-100:tanh:tanh", c.architecture());
        assertEquals(100, c.fullRank());
        assertEquals(900, c.data.inputs);
    }

    @Test
    void settingsANoiseTypeIgnoresAreNormalised() {
        RunConfig.Builder b = RunConfig.builder().architecture("10-6-4:linear").data(DataSpec.synthetic(0, 0, 50, 0, 0));
        RunConfig none = b.noise(NoiseType.NONE).sigma(0.3).batchSize(7).build();
        assertEquals(0.0, none.sigma);
        assertEquals(0, none.batchSize);
        assertEquals(none.toString(), b.noise(NoiseType.NONE).sigma(0.9).build().toString());
    }
}
