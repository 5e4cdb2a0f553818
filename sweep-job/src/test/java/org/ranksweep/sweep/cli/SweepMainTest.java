package org.ranksweep.sweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ranksweep.trainer.cli.TrainerCli;
import picocli.CommandLine;

/** The commands as a user meets them: output, exit codes, nothing written on refusal. */
class SweepMainTest {
    @TempDir
    Path tmp;

    private static String[] run(String... args) {
        CommandLine cmd = new CommandLine(new SweepMain());
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = TrainerCli.execute(cmd, args);
        } finally {
            System.setOut(saved);
        }
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString()};
    }

    @Test
    void planCountsRunsPerAxisAndInAll() {
        String[] r = run("plan", "../examples/smoke.yaml", "--rate", "10", "--list", "2");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("runs: 24 (the full product is 32"), r[1]);
        assertTrue(r[1].contains("runs per noise type: none 4; gradient 8; sgd 4; gaussian-dropout 8"), r[1]);
        assertTrue(r[1].contains("#1 "), r[1]);
    }

    @Test
    void aMillionRunsPlanInSeconds() throws Exception {
        Path g = tmp.resolve("big.yaml");
        Files.writeString(g, "name: big\ngrid:\n  architecture: [\"20-10-5:linear\", \"20-10-5:tanh\"]\n"
                + "  noise: [none, gradient, input, output]\n  sigma: [0.001, 0.01, 0.1]\n  seed: {from: 0, count: 100000}\n");
        long t0 = System.nanoTime();
        String[] r = run("plan", g.toString(), "--rate", "10");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("runs: 2,000,000"), r[1]);
        assertTrue(seconds < 30, "plan took " + seconds + " s");
    }

    @Test
    void aBadGridIsRefusedWithExitTwoAndNothingWritten() throws Exception {
        Path g = tmp.resolve("bad.yaml");
        Files.writeString(g, "name: bad\ngrid: {architecture: [\"10-6-4\"], noise: [gradient], sigma: [0.1, -0.1]}\n");
        Path out = tmp.resolve("out");
        String[] r = run("run", g.toString(), "--out", out.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("grid.sigma[1]: must be >= 0, was -0.1"), r[2]);
        assertFalse(Files.exists(out), "nothing written");
        String[] p = run("plan", g.toString());
        assertEquals("2", p[0]);
        String[] t = run("train", "--grid", g.toString(), "--index", "0");
        assertEquals("2", t[0]);
        String[] missing = run("run", tmp.resolve("nope.yaml").toString(), "--out", out.toString());
        assertEquals("2", missing[0]);
        assertTrue(missing[2].contains("grid file: not found"), missing[2]);
    }

    /** The wall-time field of a bench-sweep table row. */
    private static double wall(String row) {
        return Double.parseDouble(row.trim().split("\\s+")[3]);
    }

    @Test
    void benchSweepPrintsEveryPassTheMediansAndTheFastest() throws Exception {
        Path g = tmp.resolve("tiny.yaml");
        Files.writeString(g, "name: tiny\ndata: {samples: 20, seed: 1}\ntrain: {epochs: 3, learningRate: 0.05, "
                + "checkpointEvery: 1}\ngrid:\n  architecture: [\"6-4-3:linear\", \"6-4-3:tanh\"]\n  noise: [none, gradient]\n"
                + "  sigma: [0.01]\n  seed: {from: 0, count: 3}\n");
        String[] r = run("bench-sweep", g.toString(), "--warmup", "1", "--repeat", "2");
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].split("\n");
        assertTrue(lines[0].startsWith("warm-up pass 1 (local[2], a fresh JVM's cost)"), r[1]);
        assertTrue(lines[1].trim().startsWith("master") && lines[1].contains("JIT s"), r[1]);
        String[] masters = {"local[1]", "local[2]", "local[1]", "local[2]"};
        for (int i = 0; i < 4; i++) {
            String[] f = lines[2 + 2 * i].trim().split("\\s+");
            assertEquals(16, f.length, lines[2 + 2 * i]);
            assertEquals(masters[i], f[0]);
            assertEquals(masters[i].equals("local[1]") ? "1" : "2", f[1], "slots");
            assertEquals("12", f[2], "every run trained");
            assertTrue(Double.parseDouble(f[8]) >= 0.5, "makespan " + f[8]);
            // the runs' CPU fits in the phase's slots; the rest of the JVM's CPU is not negative
            double phase = Double.parseDouble(f[5]);
            assertTrue(Double.parseDouble(f[10]) <= phase * Integer.parseInt(f[1]) + 0.1, "runs CPU " + f[10]);
            assertTrue(Double.parseDouble(f[11]) >= 0, "other CPU " + f[11]);
            // then the same runs on as many plain threads, without Spark
            assertTrue(lines[3 + 2 * i].startsWith("  without Spark, " + f[1] + " thread(s): 12 runs in "),
                    lines[3 + 2 * i]);
        }
        assertEquals("median of 2 passes:", lines[10]);
        assertTrue(lines[11].trim().startsWith("local[1]") && lines[11].contains(" 1.00x "), lines[11]);
        assertTrue(lines[12].trim().startsWith("local[2]"), lines[12]);
        assertEquals("fastest of 2 passes:", lines[13]);
        // the fastest pass of each master is the one of least wall time among its passes printed above
        for (int m = 0; m < 2; m++) {
            double least = Math.min(wall(lines[2 + 2 * m]), wall(lines[6 + 2 * m]));
            assertEquals(least, wall(lines[14 + m]), 1e-9, lines[14 + m]);
            assertEquals(m == 0 ? "local[1]" : "local[2]", lines[14 + m].trim().split("\\s+")[0]);
        }
        assertTrue(lines[16].startsWith("local[2], median passes: the sweep's speed-up "), lines[16]);
        assertTrue(lines[17].startsWith("local[2], fastest passes: the sweep's speed-up "), lines[17]);
        String[] plainless = run("bench-sweep", g.toString(), "--warmup", "0", "--repeat", "1", "--no-plain");
        assertEquals("0", plainless[0], plainless[2]);
        assertTrue(!plainless[1].contains("without Spark"), plainless[1]);
        String[] bad = run("bench-sweep", g.toString(), "--repeat", "0");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("--repeat: must be at least 1, was 0"), bad[2]);
    }
}
