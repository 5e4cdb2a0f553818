package org.ranksweep.sweep.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ranksweep.trainer.config.ConfigException;

/** Bad grids are refused before anything runs, with the path in the file and the value. */
class BadGridTest {
    private static final String OK_GRID = "grid: {architecture: [\"10-6-4:linear\"]}\n";

    static Stream<Arguments> badGrids() {
        return Stream.of(
                bad("no name", OK_GRID, "name", "is required"),
                bad("unknown top key", "name: t\nfoo: 1\n" + OK_GRID, "foo", "unknown key"),
                bad("unknown train key", "name: t\ntrain: {epoch: 5}\n" + OK_GRID, "train.epoch", "unknown key"),
                bad("unknown axis", "name: t\ngrid: {architecture: [\"10-6-4\"], sigmas: [1]}\n", "grid.sigmas",
                        "unknown setting"),
                bad("negative sigma", "name: t\ngrid: {architecture: [\"10-6-4\"], noise: [gradient], sigma: [0.1, 0.2, -0.1]}\n",
                        "grid.sigma[2]", "must be >= 0, was -0.1"),
                bad("sigma not a number", "name: t\ngrid: {architecture: [\"10-6-4\"], sigma: [abc]}\n", "grid.sigma[0]",
                        "must be a number, was 'abc'"),
                bad("zero width", "name: t\ngrid: {architecture: [\"10-6-4\", \"10-0-4\"]}\n", "grid.architecture[1]",
                        "must be >= 1 in widths[1], was 0"),
                bad("depth mismatch", "name: t\ngrid: {architecture: [\"10-6-4\"], depth: [3]}\n", "grid.depth[0]",
                        "must match the architecture, which has H = 2 weight matrices, was 3"),
                bad("unknown noise", "name: t\ngrid: {architecture: [\"10-6-4\"], noise: [none, salt]}\n", "grid.noise[1]",
                        "'salt'"),
                bad("dropout p = 1", "name: t\ngrid: {architecture: [\"10-6-4\"], noise: [bernoulli-dropout], sigma: [1.0]}\n",
                        "grid.sigma[0]", "must be < 1"),
                bad("init rank too big", "name: t\ninit: {scheme: balanced-low-rank, rank: 5}\n" + OK_GRID, "init.rank",
                        "narrowest width 4, was 5"),
                bad("learning rate 0", "name: t\ntrain: {learningRate: 0}\n" + OK_GRID, "train.learningRate", "must be > 0"),
                bad("epochs a string", "name: t\ntrain: {epochs: many}\n" + OK_GRID, "train.epochs", "'many'"),
                bad("empty axis", "name: t\ngrid: {architecture: [\"10-6-4\"], seed: []}\n", "grid.seed", "at least one"),
                bad("empty grid", "name: t\ngrid: {}\n", "grid", "at least one setting"),
                bad("no architecture", "name: t\ngrid: {seed: [1]}\n", "grid.architecture", "is required"),
                bad("missing data file", "name: t\ndata: {kind: file, x: /no/x.npy, y: /no/y.npy}\n" + OK_GRID, "data.x",
                        "file not found, was '/no/x.npy'"),
                bad("data inputs mismatch", "name: t\ndata: {inputs: 9}\n" + OK_GRID, "data.inputs",
                        "input width 10, was 9"),
                bad("fixed and swept", "name: t\ntrain: {epochs: 5}\ngrid: {architecture: [\"10-6-4\"], epochs: [5, 6]}\n",
                        "grid.epochs", "also fixed"),
                bad("bad tolerance", "name: t\nrank: {tolerances: [numpy, rel:2]}\n" + OK_GRID, "rank.tolerances[1]",
                        "'rel:2'"),
                bad("primary not listed", "name: t\nrank: {tolerances: [numpy], primary: rel:1e-3}\n" + OK_GRID,
                        "rank.primary", "'rel:1e-3'"),
                bad("seed count 0", "name: t\ngrid: {architecture: [\"10-6-4\"], seed: {from: 0, count: 0}}\n",
                        "grid.seed.count", ">= 1"),
                bad("batch larger than data", "name: t\ndata: {samples: 10}\ntrain: {batchSize: 50}\n"
                        + "grid: {architecture: [\"10-6-4\"], noise: [none, sgd]}\n", "train.batchSize", "was 50"),
                bad("not yaml", "name: [unclosed\n", "grid file", "not valid YAML"));
    }

    private static Arguments bad(String name, String yaml, String path, String says) {
        return Arguments.of(name, yaml, path, says);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badGrids")
    void refusedWithPathAndValue(String name, String yaml, String path, String says) {
        ConfigException e = assertThrows(ConfigException.class, () -> GridTest.parse(yaml));
        assertEquals(path, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(says), "'" + e.getMessage() + "' should say " + says);
    }
}
