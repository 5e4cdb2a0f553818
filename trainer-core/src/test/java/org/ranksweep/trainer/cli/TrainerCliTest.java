package org.ranksweep.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.data.Npy;
import org.ranksweep.trainer.data.SyntheticData;
import org.ranksweep.trainer.data.Dataset;
import picocli.CommandLine;

class TrainerCliTest {
    @TempDir
    Path tmp;

    private static final class Outcome {
        int code;
        String out;
        String err;
    }

    private static Outcome run(String... args) {
        CommandLine cmd = new CommandLine(new TrainerCli());
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        Outcome o = new Outcome();
        try {
            o.code = TrainerCli.execute(cmd, args);
        } finally {
            System.setOut(saved);
        }
        o.out = out.toString(StandardCharsets.UTF_8);
        o.err = err.toString();
        return o;
    }

    /** The bench prints the ceilings and one line per configuration, path and precision, with every figure. */
    @Test
    void benchPrintsEveryFigureForEveryPathAndPrecision() {
        Outcome o = run("bench", "--configs", "tiny=20-12-6:linear,tanh=20-12-6:tanh", "--samples", "40", "--epochs", "3",
                "--repeat", "1", "--ceiling-seconds", "0.05", "--line-ceiling-seconds", "0.05", "--noise", "none,gradient");
        assertEquals(0, o.code, o.err + o.out);
        assertTrue(o.out.matches("(?s).*dgemm \\d+\\.\\d GFLOP/s, sgemm \\d+\\.\\d GFLOP/s.*"), o.out);
        // measured before and after the runs; the table's floors use the higher
        assertEquals(3, o.out.split("dgemm \\d+\\.\\d GFLOP/s, sgemm", -1).length - 1, o.out);
        assertTrue(o.out.contains("ceilings (the higher of before and after)"), o.out);
        java.util.regex.Matcher ceilings = java.util.regex.Pattern
                .compile("higher of before and after\\): dgemm (\\S+) GFLOP/s, sgemm (\\S+) GFLOP/s").matcher(o.out);
        assertTrue(ceilings.find(), o.out);
        double dgemm = Double.parseDouble(ceilings.group(1));
        double sgemm = Double.parseDouble(ceilings.group(2));
        String[] expected = {
            "tiny none direct float64", "tiny none sufficient-statistics float64", "tiny none direct float32",
            "tiny none sufficient-statistics float32", "tiny gradient direct float64",
            "tiny gradient sufficient-statistics float64", "tanh none direct float64"};
        java.util.List<String> rows = new java.util.ArrayList<>();
        for (String line : o.out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 16 && (f[0].equals("tiny") || f[0].equals("tanh"))) {
                assertEquals("COMPLETED", f[15], line);
                rows.add(f[0] + " " + f[1] + " " + f[2] + " " + f[3]);
                for (int k = 4; k < 15; k++) {
                    assertTrue(Double.parseDouble(f[k]) >= 0, line);
                }
                double ratio = Double.parseDouble(f[11]);
                double lineCeiling = Double.parseDouble(f[12]);
                double lineRatio = Double.parseDouble(f[13]);
                assertTrue(ratio > 0 && lineCeiling > 0, "a ratio to the floor and a line ceiling: " + line);
                // the same FLOPs against the line's ceiling instead of the bench's
                double ceiling = f[3].equals("float32") ? sgemm : dgemm;
                assertEquals(ratio * lineCeiling / ceiling, lineRatio, 0.02 * lineRatio + 0.01, line);
            }
        }
        assertEquals(java.util.Arrays.asList(expected), rows, o.out);
        assertEquals(2, run("bench", "--paths", "fast").code);
        assertEquals(2, run("bench", "--configs", "figure-9").code);
    }

    /** With several timed runs a line, the bench lists every one and their median after the table (the table: the fastest). */
    @Test
    void benchListsEveryRunOfALineAndTheirMedian() {
        Outcome o = run("bench", "--configs", "small=60-40-20:linear", "--samples", "200", "--epochs", "30",
                "--repeat", "3", "--ceiling-seconds", "0.05", "--line-ceiling-seconds", "0", "--noise", "none",
                "--paths", "direct", "--precisions", "float64");
        assertEquals(0, o.code, o.err + o.out);
        String[] row = null;
        String[] runs = null;
        for (String line : o.out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 16 && f[0].equals("small")) {
                row = f;
            } else if (f.length > 4 && f[0].equals("small") && f[4].equals("runs")) {
                runs = f;
            }
        }
        assertTrue(row != null && runs != null, o.out);
        // small none direct float64 runs A B C median M ratio R
        assertEquals(12, runs.length, String.join(" ", runs));
        long[] walls = {Long.parseLong(runs[5]), Long.parseLong(runs[6]), Long.parseLong(runs[7])};
        long[] sorted = walls.clone();
        java.util.Arrays.sort(sorted);
        assertEquals("median", runs[8]);
        assertEquals(sorted[1], Double.parseDouble(runs[9]), 0.5, "the middle of the three");
        assertEquals(Long.parseLong(row[4]), sorted[0], "the table shows the fastest");
        // the same floor: the median's ratio over the fastest's is the median over the fastest
        double ratio = Double.parseDouble(row[11]);
        double medianRatio = Double.parseDouble(runs[11]);
        assertEquals((double) sorted[1] / sorted[0], medianRatio / ratio, 0.02 * medianRatio / ratio, o.out);
        assertEquals(2.5, BenchCommand.median(new long[] {4, 1, 3, 2}));
        assertEquals(3.0, BenchCommand.median(new long[] {5, 1, 3}));
    }

    @Test
    void refusedInputExitsTwoNamingTheField() {
        Outcome sigma = run("train", "--noise", "gradient", "--sigma", "-0.5");
        assertEquals(2, sigma.code);
        assertTrue(sigma.err.contains("sigma: must be >= 0 and finite, was -0.5"), sigma.err);
        Outcome width = run("train", "--arch", "10-0-3:linear");
        assertEquals(2, width.code);
        assertTrue(width.err.contains("architecture.widths[1]"), width.err);
        Outcome file = run("train", "--arch", "3-2-1", "--x", "/nope/x.npy", "--y", "/nope/y.npy");
        assertEquals(2, file.code);
        assertTrue(file.err.contains("data.x: file not found, was '/nope/x.npy'"), file.err);
        Outcome flag = run("train", "--no-such-flag");
        assertEquals(2, flag.code);
        Outcome number = run("train", "--epochs", "many");
        assertEquals(2, number.code);
        assertTrue(number.err.contains("many"), number.err);
        Outcome spectra = run("train", "--spectra", "later");
        assertEquals(2, spectra.code);
        assertTrue(spectra.err.contains("--spectra: must be one of in-line, batched, alongside, shared, was 'later'"), spectra.err);
    }

    @Test
    void trainPrintsATableAndJson() throws IOException {
        Outcome table = run("train", "--arch", "8-5-3:linear", "--epochs", "4", "--checkpoint-every", "2");
        assertEquals(0, table.code, table.err);
        assertTrue(table.out.contains("epoch") && table.out.contains("status: COMPLETED"), table.out);
        // every --spectra mode prints the same checkpoints (at one thread, so the arithmetic is the same: one lane
        // splits nothing)
        JsonNode reference = null;
        for (String mode : new String[] {"in-line", "batched", "alongside", "shared"}) {
            Outcome other = run("train", "--arch", "8-5-3:linear", "--epochs", "4", "--checkpoint-every", "2",
                    "--spectra", mode, "--threads", "1", "--json");
            assertEquals(0, other.code, other.err);
            JsonNode checkpoints = new ObjectMapper().readTree(other.out).get("result").get("checkpoints");
            assertEquals(3, checkpoints.size(), mode);
            for (JsonNode cp : checkpoints) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) cp).remove("elapsedMs");
            }
            if (reference == null) {
                reference = checkpoints;
            } else {
                assertEquals(reference, checkpoints, mode + " against in-line");
            }
        }
        Outcome json = run("train", "--arch", "8-5-3:linear", "--epochs", "4", "--checkpoint-every", "2", "--json");
        assertEquals(0, json.code, json.err);
        JsonNode doc = new ObjectMapper().readTree(json.out);
        assertEquals("8-5-3:linear", doc.get("config").get("architecture").asText());
        JsonNode result = doc.get("result");
        assertEquals("COMPLETED", result.get("status").asText());
        assertEquals(3, result.get("checkpoints").size());
        assertEquals(4, result.get("checkpoints").get(2).get("epoch").asInt());
        assertEquals(3, result.get("checkpoints").get(0).get("singularValues").size());
        assertTrue(result.get("data").get("distinctSingularValues").asBoolean());
    }

    @Test
    void datasetWritesExactlyWhatTheTrainerSees() throws IOException {
        Path npz = tmp.resolve("d.npz");
        Outcome o = run("dataset", "--arch", "7-4-3:linear", "--samples", "20", "--data-seed", "5", "--out", npz.toString());
        assertEquals(0, o.code, o.err);
        Dataset ds = SyntheticData.generate(DataSpec.synthetic(7, 3, 20, 5, DataSpec.DEFAULT_TEACHER_NOISE));
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            try (InputStream in = zip.getInputStream(zip.getEntry("x.npy"))) {
                Npy.Array2 x = Npy.read(in, "x");
                assertEquals(20, x.rows);
                assertEquals(7, x.cols);
                assertArrayEquals(ds.x, x.data, 0);
            }
            try (InputStream in = zip.getInputStream(zip.getEntry("y.npy"))) {
                assertArrayEquals(ds.y, Npy.read(in, "y").data, 0);
            }
        }
        // the same data through files train to the same bits as the synthetic run
        Path x = tmp.resolve("x.npy");
        Path y = tmp.resolve("y.npy");
        assertEquals(0, run("dataset", "--arch", "7-4-3:linear", "--samples", "20", "--data-seed", "5",
                "--x-out", x.toString(), "--y-out", y.toString()).code);
        Outcome synthetic = run("train", "--arch", "7-4-3:linear", "--samples", "20", "--data-seed", "5", "--json");
        Outcome files = run("train", "--arch", "7-4-3:linear", "--x", x.toString(), "--y", y.toString(), "--json");
        JsonNode a = new ObjectMapper().readTree(synthetic.out).get("result").get("checkpoints");
        JsonNode b = new ObjectMapper().readTree(files.out).get("result").get("checkpoints");
        for (JsonNode cp : a) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) cp).remove("elapsedMs");
        }
        for (JsonNode cp : b) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) cp).remove("elapsedMs");
        }
        assertEquals(a, b, "every value but the timing");
        assertEquals(2, run("dataset", "--arch", "7-4-3:linear", "--out", tmp.resolve("d.npy").toString()).code);
        assertTrue(Files.exists(npz));
    }
}
