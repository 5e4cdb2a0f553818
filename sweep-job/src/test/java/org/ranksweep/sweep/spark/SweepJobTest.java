package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ranksweep.sweep.grid.Grid;
import org.ranksweep.sweep.grid.GridException;
import org.ranksweep.sweep.grid.GridParser;

/** The whole job in local mode, its tables read back by DuckDB and Spark, and checked against the grid. */
class SweepJobTest {
    private static final Path SMOKE = Path.of("..", "examples", "smoke.yaml");
    /** Summary statistics recomputed here agree with Spark's to this. */
    private static final double STAT_TOL = 1e-9;

    @TempDir
    Path tmp;

    static SweepJob.Options options(Path grid, Path out, String master) {
        SweepJob.Options o = new SweepJob.Options();
        o.grid = grid;
        o.out = out.toString();
        o.master = master;
        o.progress = false;
        o.conf.put("spark.ui.enabled", "false");
        o.conf.put("spark.sql.shuffle.partitions", "2");
        return o;
    }

    static SweepJob.Outcome runJob(SweepJob.Options o) throws Exception {
        return SweepJob.run(o);
    }

    static Connection duck() throws SQLException {
        return DriverManager.getConnection("jdbc:duckdb:");
    }

    static List<Map<String, Object>> query(Connection c, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static String table(Path out, String t) {
        return "read_parquet('" + out.resolve(t) + "/**/*.parquet', hive_partitioning = true)";
    }

    @Test
    void smokeGridEndToEndThenResume() throws Exception {
        Path out = tmp.resolve("out");
        SweepJob.Outcome first = runJob(options(SMOKE, out, "local[2]"));
        Grid grid = GridParser.parse(SMOKE);
        assertEquals(24, grid.size());
        assertEquals(24, first.trained);
        // a direct-path run holds X and Y (12 + 6 rows x 40 samples, 5760 bytes), W_i, dW_i and its buffers
        assertTrue(first.peakRunNativeBytes > (12 + 6) * 40 * 8 && first.peakRunNativeBytes < 1_000_000,
                "peak native bytes " + first.peakRunNativeBytes);
        assertTrue(first.peakRunHeapAllocatedBytes > 0, "heap " + first.peakRunHeapAllocatedBytes);
        // the runs' CPU: some, at most their tasks' slots over the phase, and part of the JVM's CPU over it
        assertTrue(first.runCpuMs > 0 && first.runCpuMs <= first.trainPhaseMs * first.slots,
                "runs' CPU " + first.runCpuMs + " ms in a " + first.trainPhaseMs + " ms phase");
        assertTrue(first.phaseProcessCpuMs >= first.runCpuMs, "JVM CPU " + first.phaseProcessCpuMs);
        assertEquals(0, first.alreadyDone);

        Set<String> expectedIds = new HashSet<>();
        for (long i = 0; i < grid.size(); i++) {
            expectedIds.add(grid.configId(i));
        }
        try (Connection c = duck()) {
            List<Map<String, Object>> runs = query(c, "SELECT * FROM " + table(out, "runs"));
            assertEquals(24, runs.size(), "every run exactly once");
            Set<String> ids = new HashSet<>();
            for (Map<String, Object> r : runs) {
                ids.add((String) r.get("config_id"));
                assertEquals("COMPLETED", r.get("status"));
                assertEquals("smoke", r.get("sweep"));
            }
            assertEquals(expectedIds, ids);
            // 30 epochs, a checkpoint every 5: epochs 0, 5, ..., 30
            List<Map<String, Object>> perRun = query(c, "SELECT config_id, count(*) AS n, min(epoch) AS lo, max(epoch) AS hi "
                    + "FROM " + table(out, "trajectories") + " GROUP BY config_id");
            assertEquals(24, perRun.size());
            for (Map<String, Object> r : perRun) {
                assertEquals(7L, ((Number) r.get("n")).longValue(), "checkpoints of " + r.get("config_id"));
                assertEquals(0, ((Number) r.get("lo")).intValue());
                assertEquals(30, ((Number) r.get("hi")).intValue());
            }
            checkSummary(c, out, runs);
            checkRankCurves(c, out);
            // types as documented, through DuckDB
            Map<String, String> types = new HashMap<>();
            for (Map<String, Object> r : query(c, "DESCRIBE SELECT * FROM " + table(out, "runs"))) {
                types.put((String) r.get("column_name"), (String) r.get("column_type"));
            }
            assertEquals("INTEGER[]", types.get("widths"));
            assertEquals("VARCHAR[]", types.get("tolerances"));
            assertTrue(types.get("finished_at").startsWith("TIMESTAMP"), types.get("finished_at"));
            Map<String, String> tt = new HashMap<>();
            for (Map<String, Object> r : query(c, "DESCRIBE SELECT * FROM " + table(out, "trajectories"))) {
                tt.put((String) r.get("column_name"), (String) r.get("column_type"));
            }
            assertEquals("DOUBLE[]", tt.get("singular_values"));
            assertEquals("INTEGER[][]", tt.get("layer_ranks"));
        }
        // Spark reads the same tables with the documented schema
        SparkSession spark = SparkSession.builder().master("local[1]").appName("SweepJobTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            StructType s = spark.read().parquet(out.resolve("runs").toString()).schema();
            assertEquals(DataTypes.TimestampType, s.apply("finished_at").dataType());
            assertEquals(new ArrayType(DataTypes.IntegerType, true), s.apply("widths").dataType());
            assertEquals(24, spark.read().parquet(out.resolve("runs").toString()).count());
            List<Row> noneOnly = spark.read().parquet(out.resolve("trajectories").toString())
                    .where("noise = 'none'").select("config_id").distinct().collectAsList();
            assertEquals(4, noneOnly.size());
            // the summaries computed by Spark SQL (large sweeps) equal the driver's (this one)
            Path viaSpark = tmp.resolve("out-spark-summaries");
            for (String t : new String[] {"runs", "trajectories"}) {
                copyTree(out.resolve(t), viaSpark.resolve(t));
            }
            org.apache.hadoop.fs.Path vs = new org.apache.hadoop.fs.Path(viaSpark.toUri());
            SweepJob.writeSummaries(spark, vs.getFileSystem(new org.apache.hadoop.conf.Configuration()), vs, true);
            Summaries.registerUdfs(spark);
            org.apache.spark.sql.Dataset<Row> runsBack = spark.read().parquet(out.resolve("runs").toString());
            assertEquals(Tables.SUMMARY_SCHEMA, Summaries.summary(runsBack).schema(), "summary's declared schema");
            assertEquals(Tables.RANK_CURVES_SCHEMA, Summaries.rankCurves(runsBack,
                    spark.read().parquet(out.resolve("trajectories").toString())).schema(), "rank_curves' declared schema");
            for (String[] t : new String[][] {{"summary", "group_id"}, {"rank_curves", "group_id, epoch"}}) {
                assertEquals(spark.read().parquet(viaSpark.resolve(t[0]).toString()).schema(),
                        spark.read().parquet(out.resolve(t[0]).toString()).schema(), t[0] + " schema");
                try (Connection c = duck()) {
                    assertSameRows(query(c, "SELECT * FROM " + table(viaSpark, t[0]) + " ORDER BY " + t[1]),
                            query(c, "SELECT * FROM " + table(out, t[0]) + " ORDER BY " + t[1]), t[0]);
                }
            }
        } finally {
            spark.stop();
        }

        // the same command again: nothing to train, nothing duplicated (this time the grid is expanded by
        // the Spark job that large grids use, anti-joined with the recorded runs)
        SweepJob.Options again = options(SMOKE, out, "local[2]");
        again.driverExpansionLimit = 0;
        SweepJob.Outcome second = runJob(again);
        assertEquals(0, second.trained);
        assertEquals(24, second.alreadyDone);
        try (Connection c = duck()) {
            assertEquals(24L, ((Number) query(c, "SELECT count(*) AS n FROM " + table(out, "runs")).get(0).get("n")).longValue());
            assertEquals(24L * 7, ((Number) query(c, "SELECT count(*) AS n FROM " + table(out, "trajectories")).get(0).get("n"))
                    .longValue());
        }
        assertTrue(Files.exists(out.resolve("manifest.json")));
        assertTrue(Files.exists(out.resolve("grid.yaml")));

        // one task slot or two: the same rows but for timing and placement
        Path single = tmp.resolve("out-local1");
        runJob(options(SMOKE, single, "local[1]"));
        try (Connection c = duck()) {
            for (String[] t : new String[][] {{"runs", "wall_ms, executor, finished_at"}, {"trajectories", "elapsed_ms"},
                {"summary", "wall_ms_mean"}, {"rank_curves", "sweep"}}) {
                String a = "SELECT * EXCLUDE (" + t[1] + ") FROM " + table(out, t[0]);
                String b = "SELECT * EXCLUDE (" + t[1] + ") FROM " + table(single, t[0]);
                long onlyA = ((Number) query(c, "SELECT count(*) AS n FROM (" + a + " EXCEPT ALL " + b + ")").get(0).get("n")).longValue();
                long onlyB = ((Number) query(c, "SELECT count(*) AS n FROM (" + b + " EXCEPT ALL " + a + ")").get(0).get("n")).longValue();
                assertEquals(0, onlyA + onlyB, t[0] + ": rows differ between local[2] and local[1]");
            }
        }
    }

    /** Doubles from sums in another order may differ in their last bits. */
    private static final double SAME_REL = 1e-12;

    private static void assertSameRows(List<Map<String, Object>> a, List<Map<String, Object>> b, String what) {
        assertEquals(a.size(), b.size(), what + " rows");
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).keySet(), b.get(i).keySet(), what + " columns");
            for (String k : a.get(i).keySet()) {
                Object x = a.get(i).get(k);
                Object y = b.get(i).get(k);
                if (x instanceof Double && y instanceof Double) {
                    assertEquals((Double) x, (Double) y, SAME_REL * Math.abs((Double) x), what + "." + k + " row " + i);
                } else {
                    assertEquals(String.valueOf(x), String.valueOf(y), what + "." + k + " row " + i);
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** summary against a recomputation from the runs rows. */
    private static void checkSummary(Connection c, Path out, List<Map<String, Object>> runs) throws SQLException {
        Map<String, List<Map<String, Object>>> groups = new TreeMap<>();
        for (Map<String, Object> r : runs) {
            groups.computeIfAbsent((String) r.get("group_id"), k -> new ArrayList<>()).add(r);
        }
        List<Map<String, Object>> summary = query(c, "SELECT * FROM " + table(out, "summary"));
        assertEquals(groups.size(), summary.size());
        assertEquals(12, summary.size()); // 24 runs, 2 seeds each
        for (Map<String, Object> s : summary) {
            List<Map<String, Object>> g = groups.get((String) s.get("group_id"));
            assertNotNull(g, "summary group " + s.get("group_id") + " is in runs");
            assertEquals((long) g.size(), ((Number) s.get("runs")).longValue());
            int reached = 0;
            double lossSum = 0;
            List<Integer> times = new ArrayList<>();
            for (Map<String, Object> r : g) {
                if (r.get("time_to_full_rank") != null) {
                    reached++;
                    times.add(((Number) r.get("time_to_full_rank")).intValue());
                }
                lossSum += ((Number) r.get("final_loss")).doubleValue();
            }
            assertEquals((double) reached / g.size(), ((Number) s.get("fraction_full_rank")).doubleValue(), STAT_TOL);
            assertEquals(lossSum / g.size(), ((Number) s.get("final_loss_mean")).doubleValue(), STAT_TOL * Math.abs(lossSum));
            if (times.isEmpty()) {
                assertNull(s.get("time_to_full_rank_median"));
                assertNull(s.get("time_to_full_rank_km_median"));
            } else {
                times.sort(null);
                double median = times.size() % 2 == 1 ? times.get(times.size() / 2)
                        : (times.get(times.size() / 2 - 1) + times.get(times.size() / 2)) / 2.0;
                assertEquals(median, ((Number) s.get("time_to_full_rank_median")).doubleValue(), STAT_TOL);
            }
        }
    }

    /** rank_curves against a recomputation from the trajectories rows. */
    private static void checkRankCurves(Connection c, Path out) throws SQLException {
        Map<String, List<Integer>> ranks = new HashMap<>();
        for (Map<String, Object> r : query(c, "SELECT group_id, epoch, rank FROM " + table(out, "trajectories"))) {
            ranks.computeIfAbsent(r.get("group_id") + "@" + r.get("epoch"), k -> new ArrayList<>())
                    .add(((Number) r.get("rank")).intValue());
        }
        List<Map<String, Object>> curves = query(c, "SELECT * FROM " + table(out, "rank_curves"));
        assertEquals(ranks.size(), curves.size());
        for (Map<String, Object> row : curves) {
            List<Integer> rs = ranks.get(row.get("group_id") + "@" + row.get("epoch"));
            assertNotNull(rs);
            double mean = rs.stream().mapToInt(Integer::intValue).average().orElseThrow();
            assertEquals(mean, ((Number) row.get("rank_mean")).doubleValue(), STAT_TOL);
            assertEquals(rs.stream().mapToInt(Integer::intValue).min().orElseThrow(), ((Number) row.get("rank_min")).intValue());
            assertEquals(rs.stream().mapToInt(Integer::intValue).max().orElseThrow(), ((Number) row.get("rank_max")).intValue());
            assertEquals((long) rs.size(), ((Number) row.get("runs")).longValue());
        }
    }

    @Test
    void divergedAndFailedRunsAreRowsWhileTheRestComplete() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        StringBuilder x = new StringBuilder();
        StringBuilder y = new StringBuilder();
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 20; i++) {
            x.append(r.nextGaussian()).append(',').append(r.nextGaussian()).append(',').append(r.nextGaussian())
                    .append(',').append(r.nextGaussian()).append('\n');
            y.append(r.nextGaussian()).append(',').append(r.nextGaussian()).append('\n');
        }
        Files.writeString(data.resolve("x.csv"), x);
        Files.writeString(data.resolve("y.csv"), y);
        // batchSize 50 > the file's 20 samples: the sgd runs fail when they load the data; lr 50 diverges
        Path grid = data.resolve("faults.yaml");
        Files.writeString(grid, "name: faults\ndata: {kind: file, x: x.csv, y: y.csv}\n"
                + "train: {epochs: 20, checkpointEvery: 5, batchSize: 50}\n"
                + "grid:\n  architecture: [\"4-3-2:linear\"]\n  noise: [none, sgd]\n  learningRate: [0.01, 50.0]\n");
        // a relative --out, as users type it (resolved against the working directory once, for Spark and us)
        Path rel = Path.of("target", "faults-out-" + java.util.UUID.randomUUID());
        SweepJob.Outcome o = runJob(options(grid, rel, "local[2]"));
        Path out = rel.toAbsolutePath();
        assertEquals(4, o.trained);
        try (Connection c = duck()) {
            Map<String, Map<String, Object>> byKey = new HashMap<>();
            for (Map<String, Object> row : query(c, "SELECT * FROM " + table(out, "runs"))) {
                byKey.put(row.get("noise") + "@" + row.get("learning_rate"), row);
            }
            assertEquals(4, byKey.size());
            assertEquals("COMPLETED", byKey.get("none@0.01").get("status"));
            Map<String, Object> diverged = byKey.get("none@50.0");
            assertEquals("DIVERGED", diverged.get("status"));
            assertTrue(((Number) diverged.get("epochs_run")).intValue() < 20);
            for (String k : new String[] {"sgd@0.01", "sgd@50.0"}) {
                assertEquals("FAILED", byKey.get(k).get("status"));
                assertTrue(((String) byKey.get(k).get("error")).contains("batchSize"), (String) byKey.get(k).get("error"));
            }
            List<Map<String, Object>> sum = query(c, "SELECT sum(diverged) AS d, sum(failed) AS f, sum(completed) AS ok FROM "
                    + table(out, "summary"));
            assertEquals(1L, ((Number) sum.get(0).get("d")).longValue());
            assertEquals(2L, ((Number) sum.get(0).get("f")).longValue());
            assertEquals(1L, ((Number) sum.get(0).get("ok")).longValue());
        }
    }

    @Test
    void aShortSweepOfManySmallRunsCommitsInAFewBatches() throws Exception {
        // 600 runs of a few milliseconds each: about ten batches of 60 runs by the run count alone, but each
        // batch after the first also holds TaskPacker.MIN_BATCH_SLOT_MS of work a slot once run times are
        // known (but for a small last one), so the whole sweep (a few seconds) needs only a few commits
        Path grid = Files.writeString(tmp.resolve("many.yaml"), "name: many\ndata: {samples: 8, seed: 1}\n"
                + "train: {epochs: 2, checkpointEvery: 1}\n"
                + "grid:\n  architecture: [\"4-3-2:linear\"]\n  seed: {from: 0, count: 600}\n");
        Path out = tmp.resolve("many-out");
        SweepJob.Outcome o = runJob(options(grid, out, "local[2]"));
        assertEquals(600, o.trained);
        assertTrue(o.batches <= 8, o.batches + " batches; the run count alone gives 11");
        try (Connection c = duck()) {
            assertEquals(600L, ((Number) query(c, "SELECT count(DISTINCT config_id) AS n FROM " + table(out, "runs"))
                    .get(0).get("n")).longValue());
        }
    }

    @Test
    void anotherSweepsOutputIsRefusedBeforeAnythingRuns() throws Exception {
        Path out = tmp.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("manifest.json"), "{\"sweep\": \"other\", \"grid_hash\": \"abc\"}");
        GridException e = assertThrows(GridException.class, () -> runJob(options(SMOKE, out, "local[1]")));
        assertTrue(e.getMessage().startsWith("--out: holds sweep 'other'"), e.getMessage());
        Files.writeString(out.resolve("stray.txt"), "x");
        Path foreign = tmp.resolve("foreign");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        GridException f = assertThrows(GridException.class, () -> runJob(options(SMOKE, foreign, "local[1]")));
        assertTrue(f.getMessage().contains("not a rank-sweep output"), f.getMessage());
        assertEquals(1, Files.list(foreign).count(), "nothing written");
    }
}
