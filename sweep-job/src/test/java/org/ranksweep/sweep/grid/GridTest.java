package org.ranksweep.sweep.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.Precision;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataSpec;

class GridTest {
    @TempDir
    Path tmp;

    static Grid parse(String yaml) {
        try {
            return GridParser.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), null);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyExampleGridParsesAndExpandsToDistinctRuns() throws IOException {
        int seen = 0;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(Path.of("..", "examples"))) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".yaml")).sorted()::iterator) {
                Grid g = GridParser.parse(p);
                Set<String> ids = new HashSet<>();
                for (long i = 0; i < g.size(); i++) {
                    assertTrue(ids.add(ConfigId.of(g.config(i), g.dataFingerprint())), p + ": run " + i + " repeats another");
                }
                seen++;
            }
        }
        assertTrue(seen >= 8, "example grids found: " + seen);
    }

    @Test
    void theSmokeGridExpandsWithCollapse() {
        Grid g = GridParser.parse(Path.of("..", "examples", "smoke.yaml"));
        // 2 architectures x 2 seeds x (none: 1, gradient: 2 sigmas, sgd: 1, gaussian-dropout: 2 sigmas)
        assertEquals(2 * 2 * (1 + 2 + 1 + 2), g.size());
        assertEquals(4L, g.runsPerNoise().get("none"));
        assertEquals(8L, g.runsPerNoise().get("gradient"));
        Set<String> ids = new HashSet<>();
        for (long i = 0; i < g.size(); i++) {
            RunConfig c = g.config(i);
            if (c.noise == NoiseType.NONE || c.noise == NoiseType.SGD) {
                assertEquals(0.0, c.sigma, "sigma collapses for " + c.noise);
            }
            assertEquals(c.noise == NoiseType.SGD ? 10 : 0, c.batchSize);
            assertTrue(ids.add(ConfigId.of(c, null)), "run " + i + " repeats another");
        }
        assertEquals(g.size(), ids.size());
    }

    @Test
    void runsAreTheCartesianProductInFileOrderLastAxisFastest() {
        Grid g = parse("name: t\ngrid:\n  architecture: [\"6-4-2:linear\", \"6-5-2:tanh\"]\n"
                + "  noise: [none, gradient]\n  sigma: [0.1, 0.2, 0.1]\n  seed: {from: 5, count: 3}\n");
        assertEquals(2 * 3 + 2 * 2 * 3, g.size()); // duplicate sigma 0.1 dropped
        RunConfig first = g.config(0);
        assertEquals("6-4-2:linear", first.architecture());
        assertEquals(5, first.seed);
        assertEquals(6, g.config(1).seed);
        assertEquals("6-5-2:tanh", g.config(3).architecture());
        RunConfig firstNoisy = g.config(6);
        assertEquals(NoiseType.GRADIENT, firstNoisy.noise);
        assertEquals(0.1, firstNoisy.sigma);
        assertEquals(0.2, g.config(9).sigma);
        assertThrows(IndexOutOfBoundsException.class, () -> g.config(g.size()));
    }

    @Test
    void configIdsAreStableAcrossMachinesAndIgnoreNamesAndPaths() {
        RunConfig c = base().build();
        // The canonical text is plain ASCII built from Java's own number formatting: the same id on every
        // machine and JVM. This value was computed once and must never change (it would orphan results).
        assertEquals("b6eccff64f7c9431", ConfigId.of(c, null));
        Grid a = parse("name: one\ngrid: {architecture: [\"6-4-2:linear\"], seed: [3]}\n");
        Grid b = parse("name: two\ngrid: {seed: [3], architecture: [\"6-4-2:linear\"]}\n");
        assertEquals(a.configId(0), b.configId(0));
    }

    private static RunConfig.Builder base() {
        return RunConfig.builder().architecture("6-4-2:linear").data(DataSpec.synthetic(0, 0, 20, 1, 0.1)).seed(3);
    }

    static Stream<Arguments> changes() {
        return Stream.<UnaryOperator<RunConfig.Builder>>of(
                b -> b.architecture("6-4-2:tanh"),
                b -> b.architecture("6-5-2:linear"),
                b -> b.architecture("6-4-2:linear:sigmoid"),
                b -> b.noise(NoiseType.GRADIENT).sigma(0.1),
                b -> b.seed(4),
                b -> b.learningRate(0.02),
                b -> b.epochs(11),
                b -> b.loss(LossKind.MEAN),
                b -> b.checkpointEvery(2),
                b -> b.precision(Precision.FLOAT32),
                b -> b.divergenceFactor(1e5),
                b -> b.init(InitScheme.XAVIER),
                b -> b.initScale(0.2),
                b -> b.tolerances("numpy", "rel:1e-3").primaryTolerance("rel:1e-3"),
                b -> b.primaryTolerance("rel:1e-6"),
                b -> b.data(DataSpec.synthetic(0, 0, 21, 1, 0.1)),
                b -> b.data(DataSpec.synthetic(0, 0, 20, 2, 0.1)),
                b -> b.data(DataSpec.synthetic(0, 0, 20, 1, 0.2))).map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("changes")
    void anyResultChangingFieldChangesTheId(UnaryOperator<RunConfig.Builder> change) {
        assertNotEquals(ConfigId.of(base().build(), null), ConfigId.of(change.apply(base()).build(), null));
    }

    @Test
    void idsOfNoiseSpecificSettingsChangeOnlyWhereTheyApply() {
        RunConfig sgd = base().noise(NoiseType.SGD).batchSize(5).build();
        assertNotEquals(ConfigId.of(sgd, null), ConfigId.of(base().noise(NoiseType.SGD).batchSize(6).build(), null));
        assertEquals(ConfigId.of(base().build(), null), ConfigId.of(base().batchSize(6).sigma(0.4).build(), null));
        RunConfig jin = base().noise(NoiseType.JIN_PGD).sigma(0.1).build();
        assertNotEquals(ConfigId.of(jin, null),
                ConfigId.of(base().noise(NoiseType.JIN_PGD).sigma(0.1).jinInterval(3).build(), null));
    }

    @Test
    void fileDataIdsFollowTheBytesNotThePath() throws IOException {
        Path d1 = Files.createDirectories(tmp.resolve("a"));
        Path d2 = Files.createDirectories(tmp.resolve("b"));
        for (Path d : new Path[] {d1, d2}) {
            Files.writeString(d.resolve("x.csv"), "1,2,3\n4,5,6\n7,8,10\n1,0,0\n");
            Files.writeString(d.resolve("y.csv"), "1\n2\n3\n4\n");
        }
        String yaml = "name: f\ndata: {kind: file, x: x.csv, y: y.csv}\ngrid: {architecture: [\"3-2-1:linear\"]}\n";
        Files.writeString(d1.resolve("g.yaml"), yaml);
        Files.writeString(d2.resolve("g.yaml"), yaml);
        assertEquals(GridParser.parse(d1.resolve("g.yaml")).configId(0), GridParser.parse(d2.resolve("g.yaml")).configId(0));
        Files.writeString(d2.resolve("y.csv"), "1\n2\n3\n5\n");
        assertNotEquals(GridParser.parse(d1.resolve("g.yaml")).configId(0), GridParser.parse(d2.resolve("g.yaml")).configId(0));
    }

    @Test
    void aMillionRunGridIsDecodedLazily() {
        Grid g = parse("name: big\ngrid:\n  architecture: [\"6-4-2:linear\", \"6-3-2:linear\"]\n"
                + "  noise: [none, gradient]\n  sigma: [0.1, 0.2, 0.3, 0.4]\n  seed: {from: 0, count: 100000}\n");
        assertEquals(2 * 100_000 + 2 * 4 * 100_000, g.size());
        RunConfig last = g.config(g.size() - 1);
        assertEquals(99_999, last.seed);
        assertEquals(0.4, last.sigma);
        assertEquals("6-3-2:linear", last.architecture());
    }
}
