package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ranksweep.sweep.cli.SweepMain;

/** Kill the job mid-sweep (SIGKILL, in its own JVM); the same command again completes it exactly once. */
class ResumeAfterKillTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledSweepResumesWithoutRetrainingOrDuplicates() throws Exception {
        Path grid = tmp.resolve("resume.yaml");
        Files.writeString(grid, "name: resume\ndata: {samples: 60, seed: 2}\ntrain: {epochs: 150, learningRate: 0.05, "
                + "checkpointEvery: 10}\ninit: {scheme: balanced-low-rank, rank: 2, scale: 0.5}\n"
                + "grid:\n  architecture: [\"30-20-10:linear\"]\n  noise: [none, gradient]\n  sigma: [0.01]\n"
                + "  seed: {from: 0, count: 16}\n");
        Path out = tmp.resolve("out");
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Xmx") || a.startsWith("-D")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SweepMain.class.getName());
        for (String a : new String[] {"run", grid.toString(), "--out", out.toString(), "--master", "local[2]",
            "--batch", "4", "--conf", "spark.ui.enabled=false"}) {
            cmd.add(a);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("first.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (committedFiles(out) < 2 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(p.isAlive(), "the sweep ended before it could be killed:\\n" + Files.readString(tmp.resolve("first.log")));
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));

        long before;
        try (Connection c = SweepJobTest.duck()) {
            before = ((Number) SweepJobTest.query(c, "SELECT count(*) AS n FROM " + SweepJobTest.table(out, "runs"))
                    .get(0).get("n")).longValue();
        }
        assertTrue(before > 0 && before < 32, "killed after " + before + " of 32 runs");

        // killed mid-commit (its marker written, its files moved or not yet), that batch of at most 4 runs is
        // finished on resume rather than trained again
        boolean midCommit = pendingCommit(out);
        SweepJob.Outcome second = SweepJob.run(SweepJobTest.options(grid, out, "local[2]"));
        if (midCommit) {
            assertTrue(second.alreadyDone >= before && second.alreadyDone <= before + 4 && second.alreadyDone < 32,
                    "the interrupted commit's runs are kept too: " + before + " then " + second.alreadyDone);
        } else {
            assertEquals(before, second.alreadyDone, "committed runs are kept");
        }
        assertEquals(32 - second.alreadyDone, second.trained, "only the missing runs are trained");
        try (Connection c = SweepJobTest.duck()) {
            List<Map<String, Object>> n = SweepJobTest.query(c, "SELECT count(*) AS n, count(DISTINCT config_id) AS d FROM "
                    + SweepJobTest.table(out, "runs"));
            assertEquals(32L, ((Number) n.get(0).get("n")).longValue());
            assertEquals(32L, ((Number) n.get(0).get("d")).longValue());
            List<Map<String, Object>> t = SweepJobTest.query(c, "SELECT count(*) AS n, count(DISTINCT config_id) AS d FROM "
                    + SweepJobTest.table(out, "trajectories"));
            assertEquals(32L * 16, ((Number) t.get(0).get("n")).longValue(), "16 checkpoints per run, no duplicates");
        }
    }

    /** Whether a batch's commit had begun (its marker written) and not finished. */
    private static boolean pendingCommit(Path out) throws Exception {
        Path commits = out.resolve(Commit.COMMITS);
        if (!Files.isDirectory(commits)) {
            return false;
        }
        try (Stream<Path> s = Files.list(commits)) {
            return s.anyMatch(f -> f.getFileName().toString().endsWith(".pending"));
        }
    }

    /** Parquet files in the runs table (each committed batch adds at least one). */
    private static long committedFiles(Path out) throws Exception {
        Path runs = out.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(runs)) {
            return s.filter(f -> f.toString().endsWith(".parquet")).count();
        }
    }
}
