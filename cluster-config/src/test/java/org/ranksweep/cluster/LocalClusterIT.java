package org.ranksweep.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The sweep on a real standalone cluster brought up by {@code cluster-config/local-cluster.sh} (one master,
 * two one-core workers, each its own JVM; executors forked by the workers), submitted by the script
 * through SparkSubmit. Faults: a worker JVM and the driver JVM are SIGKILLed by pid mid-sweep.
 * The cluster is torn down after the tests whatever happens (and by a shutdown hook if the JVM dies),
 * and the teardown is checked: no JVM of the cluster stays alive.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterIT {
    private static final Path SCRIPT = Scripts.HERE.resolve("local-cluster.sh");
    private static final Path SMOKE = Scripts.ROOT.resolve("examples/smoke.yaml");
    private static final Path SLOW = Scripts.HERE.resolve("src/test/resources/slow.yaml");
    private static final int SLOW_RUNS = 24;
    private static final Pattern DONE = Pattern.compile(
            "sweep done: (\\d+) runs in the grid, (\\d+) already recorded, (\\d+) trained");
    private static final Path DIR = Scripts.HERE.resolve("target/it-cluster");
    private static final Path OUT = Scripts.HERE.resolve("target/it-out");
    private static final List<Long> DAEMONS = new ArrayList<>();
    private static Thread hook;

    @BeforeAll
    static void up() throws Exception {
        deleteTree(DIR);
        deleteTree(OUT);
        Files.createDirectories(OUT);
        hook = new Thread(LocalClusterIT::downQuietly, "local-cluster teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        Scripts.Result r = Scripts.run(5, SCRIPT.toString(), "up", "--dir", DIR.toString());
        assertEquals(0, r.code(), "local-cluster.sh up failed:\n" + r.err());
        assertTrue(r.out().strip().matches("spark://127\\.0\\.0\\.1:\\d+"), r.out());
        for (String d : new String[] {"master", "worker-1", "worker-2"}) {
            DAEMONS.add(Long.parseLong(Files.readString(DIR.resolve("pids/" + d + ".pid")).strip()));
        }
        for (long pid : DAEMONS) {
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "daemon " + pid + " runs");
        }
    }

    @AfterAll
    static void down() throws Exception {
        Scripts.Result r = Scripts.run(3, SCRIPT.toString(), "down", "--dir", DIR.toString());
        Runtime.getRuntime().removeShutdownHook(hook);
        assertEquals(0, r.code(), r.err());
        for (long pid : DAEMONS) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "daemon pid " + pid + " is gone");
        }
        assertEquals(List.of(), Scripts.jvmsMentioning(DIR.resolve("spark-home").toString()),
                "no executor or driver JVM of the cluster is left");
    }

    private static void downQuietly() {
        try {
            new ProcessBuilder(SCRIPT.toString(), "down", "--dir", DIR.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // best effort in a dying JVM
        }
    }

    private static Scripts.Result submit(Path grid, Path out, String... runArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString(), "submit", "--dir", DIR.toString(), grid.toString(),
                out.toString(), "--"));
        cmd.addAll(List.of(runArgs));
        Scripts.Result r = Scripts.run(6, cmd.toArray(new String[0]));
        assertEquals(0, r.code(), "submit failed:\n" + r.out() + r.err());
        return r;
    }

    private static Process submitAsync(Path grid, Path out, Path log, String... runArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString(), "submit", "--dir", DIR.toString(), grid.toString(),
                out.toString(), "--"));
        cmd.addAll(List.of(runArgs));
        return Scripts.builder(log, cmd.toArray(new String[0])).start();
    }

    private static long[] doneLine(String out) {
        Matcher m = DONE.matcher(out);
        assertTrue(m.find(), "no 'sweep done' line in:\n" + out);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    private static void waitForCommits(Path out, long files, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (Scripts.committedFiles(out) < files && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(p.isAlive(), "the sweep ended before the kill:\n" + Files.readString(log));
        assertTrue(Scripts.committedFiles(out) >= files, "no batch committed in time:\n" + Files.readString(log));
    }

    /** Every run of the grid exactly once in runs, its checkpoints exactly once in trajectories. */
    private static void exactlyOnce(Connection c, Path out, int runs, int checkpoints) throws Exception {
        assertEquals(runs, Scripts.count(c, "SELECT count(*) FROM " + Scripts.table(out, "runs")));
        assertEquals(runs, Scripts.count(c, "SELECT count(DISTINCT config_id) FROM " + Scripts.table(out, "runs")));
        assertEquals((long) runs * checkpoints, Scripts.count(c, "SELECT count(*) FROM (SELECT DISTINCT config_id, epoch FROM "
                + Scripts.table(out, "trajectories") + ")"));
        assertEquals((long) runs * checkpoints, Scripts.count(c, "SELECT count(*) FROM " + Scripts.table(out, "trajectories")));
    }

    @Test
    @Order(1)
    void smokeGridOnTheClusterGivesLocalModesRowsOnSeparateExecutors() throws Exception {
        Path cluster = OUT.resolve("smoke-cluster");
        Path local = OUT.resolve("smoke-local");
        long[] d = doneLine(submit(SMOKE, cluster).out());
        assertEquals(24, d[0]);
        assertEquals(24, d[2]);
        // local mode: the README's command (embedded Spark), same grid
        ProcessBuilder pb = Scripts.builder(OUT.resolve("smoke-local.log"), Scripts.ROOT.resolve("bin/sweep").toString(),
                "run", SMOKE.toString(), "--out", local.toString(), "--master", "local[2]");
        pb.environment().put("SWEEP_JAVA_OPTS", "-Xmx2g");
        Process lp = pb.start();
        assertTrue(lp.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, lp.exitValue(), Files.readString(OUT.resolve("smoke-local.log")));

        try (Connection c = Scripts.duck()) {
            exactlyOnce(c, cluster, 24, 7);
            // the same rows, timing and placement aside, in both tables
            String runsCols = "* EXCLUDE (wall_ms, executor, finished_at)";
            String trajCols = "* EXCLUDE (elapsed_ms)";
            for (String[] t : new String[][] {{"runs", runsCols}, {"trajectories", trajCols}}) {
                String a = "SELECT " + t[1] + " FROM " + Scripts.table(cluster, t[0]);
                String b = "SELECT " + t[1] + " FROM " + Scripts.table(local, t[0]);
                assertEquals(0, Scripts.count(c, "SELECT count(*) FROM (" + a + " EXCEPT ALL " + b + ")"),
                        t[0] + ": rows on the cluster that local mode does not have");
                assertEquals(0, Scripts.count(c, "SELECT count(*) FROM (" + b + " EXCEPT ALL " + a + ")"),
                        t[0] + ": rows of local mode missing on the cluster");
            }
            for (String[] t : new String[][] {{"summary", "* EXCLUDE (wall_ms_mean)"}, {"rank_curves", "*"}}) {
                String a = "SELECT " + t[1] + " FROM " + Scripts.table(cluster, t[0]);
                String b = "SELECT " + t[1] + " FROM " + Scripts.table(local, t[0]);
                assertEquals(0, Scripts.count(c, "SELECT count(*) FROM ((" + a + " EXCEPT ALL " + b + ") UNION ALL ("
                        + b + " EXCEPT ALL " + a + "))"), t[0] + " differs between the cluster and local mode");
            }
            // the executors are separate JVMs: runs were trained on more than one, none on the driver
            Set<String> executors = new HashSet<>();
            for (Map<String, Object> r : Scripts.query(c, "SELECT DISTINCT executor FROM " + Scripts.table(cluster, "runs"))) {
                executors.add(String.valueOf(r.get("executor")));
            }
            assertTrue(executors.size() >= 2, "runs trained on " + executors);
            assertFalse(executors.contains("driver"), "runs trained on " + executors);
            System.out.println("[cluster-it] smoke grid: runs trained by executors " + executors);
        }
        try (Stream<Path> logs = Files.list(DIR.resolve("events"))) {
            assertTrue(logs.findAny().isPresent(), "the event log for the history server is written");
        }
    }

    @Test
    @Order(2)
    void aKilledDriverIsResubmittedAndOnlyMissingRunsAreTrained() throws Exception {
        Path out = OUT.resolve("driver-kill");
        Path log = OUT.resolve("driver-kill-1.log");
        Process p = submitAsync(SLOW, out, log, "--batch", "4");
        try {
            waitForCommits(out, 1, p, log);
            // the driver: the SparkSubmit JVM submit.sh started (a child, so the secret's copy is removed)
            ProcessHandle driver = p.descendants().filter(h -> h.info().command().orElse("").endsWith("java"))
                    .findFirst().orElseThrow(() -> new AssertionError("no driver JVM under " + p.pid()));
            assertTrue(driver.destroyForcibly(), "SIGKILL the driver, pid " + driver.pid());
            assertTrue(driver.onExit().get(30, TimeUnit.SECONDS) != null);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertTrue(p.exitValue() != 0, "the killed submission fails");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        long before;
        long inTable;
        try (Connection c = Scripts.duck()) {
            // a kill during a commit leaves its batch half moved; the re-submission finishes it, so it counts
            before = Scripts.committedRuns(c, out);
            inTable = Scripts.count(c, "SELECT count(*) FROM " + Scripts.table(out, "runs"));
        }
        assertTrue(before > 0 && before < SLOW_RUNS, "killed after " + before + " of " + SLOW_RUNS + " runs");

        long[] d = doneLine(submit(SLOW, out, "--batch", "4").out());
        assertEquals(SLOW_RUNS, d[0]);
        assertEquals(before, d[1], "committed runs are kept");
        assertEquals(SLOW_RUNS - before, d[2], "only the missing runs are trained");
        try (Connection c = Scripts.duck()) {
            exactlyOnce(c, out, SLOW_RUNS, 11);
        }
        System.out.printf(Locale.ROOT, "[cluster-it] driver killed after %d of %d runs (%d of them mid-commit); "
                + "the re-submission trained %d%n", before, SLOW_RUNS, before - inTable, d[2]);
    }

    @Test
    @Order(3)
    void aKilledWorkerCostsItsRunsInFlightAndTheSweepFinishesOnTheOther() throws Exception {
        Path out = OUT.resolve("worker-kill");
        Path log = OUT.resolve("worker-kill.log");
        long t0 = System.nanoTime();
        Process p = submitAsync(SLOW, out, log, "--batch", "4");
        long killedAt;
        try {
            waitForCommits(out, 1, p, log);
            long worker = DAEMONS.get(2);
            ProcessHandle w = ProcessHandle.of(worker).orElseThrow();
            assertTrue(w.destroyForcibly(), "SIGKILL worker-2, pid " + worker);
            w.onExit().get(30, TimeUnit.SECONDS);
            killedAt = System.nanoTime();
            assertTrue(p.waitFor(6, TimeUnit.MINUTES), "the sweep finishes on the remaining worker");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        long end = System.nanoTime();
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), text);
        long[] d = doneLine(text);
        assertEquals(SLOW_RUNS, d[0]);
        assertEquals(SLOW_RUNS, d[2]);
        try (Connection c = Scripts.duck()) {
            exactlyOnce(c, out, SLOW_RUNS, 11);
            List<Map<String, Object>> ex = Scripts.query(c, "SELECT executor, count(*) AS n FROM "
                    + Scripts.table(out, "runs") + " GROUP BY executor ORDER BY executor");
            System.out.println("[cluster-it] worker kill: runs per executor " + ex);
        }
        System.out.printf(Locale.ROOT, "[cluster-it] worker kill: sweep wall %.1f s (submit to exit), %.1f s of it after "
                + "the kill%n", (end - t0) / 1e9, (end - killedAt) / 1e9);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(f);
            }
        }
    }
}
