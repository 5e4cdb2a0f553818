package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query in notebooks/sql runs against the smoke sweep's tables through DuckDB and through Spark
 * SQL, and both answers equal what this test computes from the tables' rows.
 */
class NotebookSqlTest {
    private static final Path SQL = Path.of("..", "notebooks", "sql");
    private static final String[] TABLES = {"runs", "trajectories", "summary", "rank_curves"};
    /** Aggregates computed in another order agree to this relative error. */
    private static final double REL = 1e-9;

    @TempDir
    static Path tmp;
    static Path out;
    static SparkSession spark;
    static List<Map<String, Object>> runs;
    static List<Map<String, Object>> traj;

    @BeforeAll
    static void sweep() throws Exception {
        out = tmp.resolve("smoke");
        SweepJob.run(SweepJobTest.options(Path.of("..", "examples", "smoke.yaml"), out, "local[2]"));
        spark = SparkSession.builder().master("local[1]").appName("NotebookSqlTest").config("spark.ui.enabled", "false")
                .getOrCreate();
        for (String t : TABLES) {
            spark.read().parquet(out.resolve(t).toString()).createOrReplaceTempView(t);
        }
        try (Connection c = duck()) {
            runs = SweepJobTest.query(c, "SELECT * FROM runs");
            traj = SweepJobTest.query(c, "SELECT * FROM trajectories");
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** An in-memory DuckDB with the four views, as notebooks/rank_sweep_sql.py makes them. */
    static Connection duck() throws Exception {
        Connection c = SweepJobTest.duck();
        try (Statement s = c.createStatement()) {
            for (String t : TABLES) {
                s.execute("CREATE VIEW " + t + " AS SELECT * FROM " + SweepJobTest.table(out, t));
            }
        }
        return c;
    }

    static String sql(String file) throws Exception {
        return Files.readString(SQL.resolve(file), StandardCharsets.UTF_8);
    }

    static List<List<Object>> viaDuck(String file) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = duck(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql(file))) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static List<List<Object>> viaSpark(String file) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        for (Row r : spark.sql(sql(file)).collectAsList()) {
            List<Object> row = new ArrayList<>();
            for (int i = 0; i < r.length(); i++) {
                row.add(r.get(i));
            }
            rows.add(row);
        }
        return rows;
    }

    static void check(String file, List<List<Object>> expected) throws Exception {
        for (Map.Entry<String, List<List<Object>>> got : Map.of("DuckDB", viaDuck(file), "Spark", viaSpark(file)).entrySet()) {
            List<List<Object>> g = got.getValue();
            assertEquals(expected.size(), g.size(), file + " via " + got.getKey() + ": rows");
            for (int i = 0; i < g.size(); i++) {
                assertEquals(expected.get(i).size(), g.get(i).size(), file + ": columns");
                for (int j = 0; j < g.get(i).size(); j++) {
                    Object e = expected.get(i).get(j);
                    Object a = g.get(i).get(j);
                    String where = file + " via " + got.getKey() + " row " + i + " column " + j;
                    if (e instanceof Number && a instanceof Number) {
                        double x = ((Number) e).doubleValue();
                        assertEquals(x, ((Number) a).doubleValue(), REL * Math.max(1, Math.abs(x)), where);
                    } else {
                        assertEquals(e == null ? null : String.valueOf(e), a == null ? null : String.valueOf(a), where);
                    }
                }
            }
        }
    }

    @Test
    void everySqlFileHasATestHere() throws Exception {
        List<String> tested = List.of("status_counts.sql", "problem_runs.sql", "rank_by_epoch.sql",
                "full_rank_by_sigma.sql", "time_to_full_rank_runs.sql", "gap_by_rank.sql", "full_rank_claim.sql");
        try (Stream<Path> s = Files.list(SQL)) {
            List<String> files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted()
                    .collect(Collectors.toList());
            assertEquals(tested.stream().sorted().collect(Collectors.toList()), files);
        }
    }

    private static Comparator<Map<String, Object>> by(String... cols) {
        Comparator<Map<String, Object>> c = null;
        for (String col : cols) {
            Comparator<Map<String, Object>> k = Comparator.comparing(m -> (Comparable) m.get(col),
                    Comparator.nullsFirst(Comparator.naturalOrder()));
            c = c == null ? k : c.thenComparing(k);
        }
        return c;
    }

    private static List<Object> pick(Map<String, Object> m, String... cols) {
        List<Object> out = new ArrayList<>();
        for (String c : cols) {
            out.add(m.get(c));
        }
        return out;
    }

    private static double num(Object o) {
        return ((Number) o).doubleValue();
    }

    private static Map<String, List<Map<String, Object>>> groupBy(List<Map<String, Object>> rows,
            Function<Map<String, Object>, String> key) {
        Map<String, List<Map<String, Object>>> g = new TreeMap<>();
        for (Map<String, Object> r : rows) {
            g.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
        }
        return g;
    }

    /** Linear interpolation between closest ranks at p (n - 1), the definition both summaries use. */
    private static Double quantile(List<Double> v, double p) {
        if (v.isEmpty()) {
            return null;
        }
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        double pos = p * (s.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return s.get(lo) + (pos - lo) * (s.get(hi) - s.get(lo));
    }

    /** Kaplan-Meier median of (time, reached) pairs, computed the textbook way: S(t) over distinct times. */
    private static Double kmMedian(List<double[]> obs) {
        double s = 1;
        for (double t : obs.stream().mapToDouble(o -> o[0]).distinct().sorted().toArray()) {
            long atRisk = obs.stream().filter(o -> o[0] >= t).count();
            long events = obs.stream().filter(o -> o[0] == t && o[1] == 1).count();
            s *= 1 - events / (double) atRisk;
            if (events > 0 && s <= 0.5) {
                return t;
            }
        }
        return null;
    }

    @Test
    void statusCounts() throws Exception {
        Map<String, List<Map<String, Object>>> g = groupBy(runs, r -> r.get("noise") + "\u0000" + r.get("status"));
        List<List<Object>> want = new ArrayList<>();
        for (List<Map<String, Object>> rs : g.values()) {
            want.add(List.of(rs.get(0).get("noise"), rs.get(0).get("status"), (long) rs.size()));
        }
        assertEquals(24L, want.stream().mapToLong(r -> (Long) r.get(2)).sum());
        check("status_counts.sql", want);
    }

    @Test
    void problemRuns() throws Exception {
        String[] cols = {"noise", "sigma", "architecture", "learning_rate", "seed", "status", "epochs_run", "epochs",
            "error", "config_id"};
        List<List<Object>> want = runs.stream().filter(r -> !"COMPLETED".equals(r.get("status")))
                .sorted(by("noise", "sigma", "architecture", "learning_rate", "seed")).map(r -> pick(r, cols))
                .collect(Collectors.toList());
        check("problem_runs.sql", want);
    }

    @Test
    void rankByEpoch() throws Exception {
        Map<String, Map<String, Object>> runById = new HashMap<>();
        runs.forEach(r -> runById.put((String) r.get("config_id"), r));
        Map<String, List<Map<String, Object>>> g = groupBy(traj, t -> t.get("group_id") + "@" + t.get("epoch"));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (List<Map<String, Object>> rs : g.values()) {
            Map<String, Object> r = new HashMap<>(runById.get((String) rs.get(0).get("config_id")));
            List<Double> ranks = rs.stream().map(t -> num(t.get("rank"))).collect(Collectors.toList());
            double mean = ranks.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double ss = ranks.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
            r.put("epoch", rs.get(0).get("epoch"));
            r.put("runs", (long) rs.size());
            r.put("rank_mean", mean);
            r.put("rank_std", ranks.size() < 2 ? null : Math.sqrt(ss / (ranks.size() - 1)));
            r.put("rank_min", ranks.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
            r.put("rank_max", ranks.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
            r.put("loss_mean", rs.stream().mapToDouble(t -> num(t.get("loss"))).average().orElseThrow());
            rows.add(r);
        }
        rows.sort(by("architecture", "noise", "sigma", "learning_rate", "init", "epoch"));
        check("rank_by_epoch.sql", rows.stream().map(r -> pick(r, "architecture", "noise", "sigma", "learning_rate",
                "init", "full_rank", "epoch", "runs", "rank_mean", "rank_std", "rank_min", "rank_max", "loss_mean"))
                .collect(Collectors.toList()));
    }

    @Test
    void fullRankBySigma() throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (List<Map<String, Object>> rs : groupBy(runs, r -> (String) r.get("group_id")).values()) {
            Map<String, Object> r = new HashMap<>(rs.get(0));
            List<Double> times = rs.stream().filter(x -> x.get("time_to_full_rank") != null)
                    .map(x -> num(x.get("time_to_full_rank"))).collect(Collectors.toList());
            List<double[]> km = rs.stream().filter(x -> !"FAILED".equals(x.get("status")))
                    .map(x -> new double[] {num(x.get("time_to_full_rank") != null ? x.get("time_to_full_rank")
                            : x.get("epochs_run")), x.get("time_to_full_rank") != null ? 1 : 0})
                    .collect(Collectors.toList());
            r.put("runs", (long) rs.size());
            for (String s : new String[] {"COMPLETED", "DIVERGED", "FAILED"}) {
                r.put(s.toLowerCase(java.util.Locale.ROOT), rs.stream().filter(x -> s.equals(x.get("status"))).count());
            }
            r.put("reached_full_rank", (long) times.size());
            r.put("fraction_full_rank", times.size() / (double) rs.size());
            r.put("time_to_full_rank_median", quantile(times, 0.5));
            r.put("time_to_full_rank_km_median", kmMedian(km));
            r.put("time_to_full_rank_q1", quantile(times, 0.25));
            r.put("time_to_full_rank_q3", quantile(times, 0.75));
            rows.add(r);
        }
        rows.sort(by("architecture", "noise", "sigma", "learning_rate", "init"));
        assertTrue(rows.stream().anyMatch(r -> r.get("time_to_full_rank_median") != null), "some group reaches full rank");
        check("full_rank_by_sigma.sql", rows.stream().map(r -> pick(r, "architecture", "noise", "sigma", "learning_rate",
                "init", "runs", "completed", "diverged", "failed", "reached_full_rank", "fraction_full_rank",
                "time_to_full_rank_median", "time_to_full_rank_km_median", "time_to_full_rank_q1",
                "time_to_full_rank_q3")).collect(Collectors.toList()));
    }

    @Test
    void timeToFullRankRuns() throws Exception {
        List<List<Object>> want = runs.stream().filter(r -> !"FAILED".equals(r.get("status")))
                .sorted(by("architecture", "noise", "sigma", "learning_rate", "seed"))
                .map(r -> {
                    List<Object> row = pick(r, "architecture", "noise", "sigma", "learning_rate", "seed");
                    boolean censored = r.get("time_to_full_rank") == null;
                    row.add(censored ? r.get("epochs_run") : r.get("time_to_full_rank"));
                    row.add(censored ? 1 : 0);
                    return row;
                }).collect(Collectors.toList());
        assertTrue(want.stream().anyMatch(r -> ((Number) r.get(6)).intValue() == 1), "the smoke grid has censored runs");
        check("time_to_full_rank_runs.sql", want);
    }

    private static boolean linear(Map<String, Object> r) {
        return "linear".equals(r.get("activation")) && "linear".equals(r.get("output_activation"));
    }

    @Test
    void gapByRank() throws Exception {
        Map<String, Map<String, Object>> runById = new HashMap<>();
        runs.forEach(r -> runById.put((String) r.get("config_id"), r));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> t : traj) {
            Map<String, Object> r = runById.get((String) t.get("config_id"));
            if (linear(r) && t.get("loss_gap") != null) {
                Map<String, Object> m = new HashMap<>(t);
                m.put("architecture", r.get("architecture"));
                m.put("sigma", r.get("sigma"));
                m.put("seed", r.get("seed"));
                m.put("full_rank", r.get("full_rank"));
                rows.add(m);
            }
        }
        assertFalse(rows.isEmpty());
        rows.sort(by("architecture", "noise", "sigma", "seed", "epoch"));
        check("gap_by_rank.sql", rows.stream().map(m -> pick(m, "architecture", "noise", "sigma", "seed", "epoch", "rank",
                "full_rank", "loss", "loss_gap")).collect(Collectors.toList()));
    }

    @Test
    void fullRankClaim() throws Exception {
        Map<String, Map<String, Object>> last = new HashMap<>();
        for (Map<String, Object> t : traj) {
            last.put(t.get("config_id") + "@" + t.get("epoch"), t);
        }
        List<Map<String, Object>> finals = new ArrayList<>();
        for (Map<String, Object> r : runs) {
            Map<String, Object> t = last.get(r.get("config_id") + "@" + r.get("epochs_run"));
            if (linear(r) && "COMPLETED".equals(r.get("status")) && t != null) {
                Map<String, Object> m = new HashMap<>(r);
                m.put("at_full_rank", num(t.get("rank")) == num(r.get("full_rank")) ? 1 : 0);
                m.put("gap", t.get("loss_gap"));
                finals.add(m);
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (List<Map<String, Object>> g : groupBy(finals, m -> m.get("architecture") + "\u0000" + m.get("noise") + "\u0000"
                + m.get("sigma") + "\u0000" + m.get("at_full_rank")).values()) {
            Map<String, Object> m = new HashMap<>(g.get(0));
            m.put("runs", (long) g.size());
            m.put("gap_mean", g.stream().mapToDouble(x -> num(x.get("gap"))).average().orElseThrow());
            m.put("gap_max", g.stream().mapToDouble(x -> num(x.get("gap"))).max().orElseThrow());
            m.put("relative_gap_max", g.stream().mapToDouble(x -> num(x.get("gap")) / num(x.get("optimal_loss"))).max()
                    .orElseThrow());
            rows.add(m);
        }
        rows.sort(by("architecture", "noise", "sigma", "at_full_rank"));
        check("full_rank_claim.sql", rows.stream().map(m -> pick(m, "architecture", "noise", "sigma", "at_full_rank",
                "runs", "gap_mean", "gap_max", "relative_gap_max")).collect(Collectors.toList()));
    }
}
