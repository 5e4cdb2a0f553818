package org.ranksweep.sweep.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code summary} and {@code rank_curves} computed on the driver, without a Spark job, when the
 * tables are small enough to read there ({@link #MAX_TRAJECTORY_ROWS}): for a laptop sweep this takes
 * milliseconds where Spark SQL's planning and code generation take seconds. Same definitions as
 * {@link Summaries} (which larger sweeps use), same schemas (taken from Spark's analysis of those
 * queries), same row order; tests check that both give the same tables.
 *
 * <p>Spark's semantics, reproduced: aggregates skip nulls and are null over no values; {@code
 * percentile} interpolates linearly between closest ranks (position p (n - 1)); {@code stddev_samp}
 * is null for fewer than two values (Welford's update, as Spark's); the Kaplan-Meier median leaves
 * FAILED runs out.
 */
final class LocalSummaries {
    /** Up to this many trajectory rows, the summaries are computed on the driver. */
    static final long MAX_TRAJECTORY_ROWS = 2_000_000;

    private LocalSummaries() {
    }

    /** Computes both tables from {@code runs} and {@code trajectories} under {@code out}, in the given schemas. */
    static List<Row>[] compute(Configuration conf, FileSystem fs, Path out, StructType summarySchema,
            StructType curvesSchema) throws IOException {
        List<Map<String, Object>> runs = TableFiles.read(conf, fs, new Path(out, Tables.RUNS), null);
        List<Map<String, Object>> traj = TableFiles.read(conf, fs, new Path(out, Tables.TRAJECTORIES),
                new String[] {"group_id", "epoch", "rank", "loss", "effective_rank"});
        Map<String, List<Map<String, Object>>> groups = new TreeMap<>();
        for (Map<String, Object> r : runs) {
            groups.computeIfAbsent((String) r.get("group_id"), k -> new ArrayList<>()).add(r);
        }
        List<Row> summary = new ArrayList<>();
        for (Map.Entry<String, List<Map<String, Object>>> g : groups.entrySet()) {
            summary.add(row(summarySchema, summaryRow(g.getKey(), g.getValue())));
        }
        Map<String, Map<Integer, List<Map<String, Object>>>> byEpoch = new TreeMap<>();
        for (Map<String, Object> t : traj) {
            if (groups.containsKey((String) t.get("group_id"))) { // an inner join with runs, as in Spark
                byEpoch.computeIfAbsent((String) t.get("group_id"), k -> new TreeMap<>())
                        .computeIfAbsent((Integer) t.get("epoch"), k -> new ArrayList<>()).add(t);
            }
        }
        List<Row> curves = new ArrayList<>();
        for (Map.Entry<String, Map<Integer, List<Map<String, Object>>>> g : byEpoch.entrySet()) {
            Map<String, Object> first = groups.get(g.getKey()).get(0);
            for (Map.Entry<Integer, List<Map<String, Object>>> e : g.getValue().entrySet()) {
                List<Map<String, Object>> rs = e.getValue();
                Map<String, Object> v = new HashMap<>();
                v.put("group_id", g.getKey());
                v.put("epoch", e.getKey());
                v.put("runs", (long) rs.size());
                v.put("rank_mean", mean(rs, "rank"));
                v.put("rank_std", stddevSamp(rs, "rank"));
                v.put("rank_min", extreme(rs, "rank", false));
                v.put("rank_median", percentile(rs, "rank", 0.5));
                v.put("rank_max", extreme(rs, "rank", true));
                v.put("loss_mean", mean(rs, "loss"));
                v.put("effective_rank_mean", mean(rs, "effective_rank"));
                for (String f : new String[] {"sweep", "architecture", "noise", "sigma", "init", "learning_rate",
                    "full_rank"}) {
                    v.put(f, first.get(f));
                }
                curves.add(row(curvesSchema, v));
            }
        }
        @SuppressWarnings("unchecked")
        List<Row>[] both = new List[] {summary, curves};
        return both;
    }

    private static Map<String, Object> summaryRow(String groupId, List<Map<String, Object>> g) {
        Map<String, Object> v = new HashMap<>();
        v.put("group_id", groupId);
        for (String f : Summaries.GROUP_FIELDS) {
            v.put(f, g.get(0).get(f));
        }
        long completed = 0;
        long diverged = 0;
        long failed = 0;
        long reached = 0;
        List<double[]> km = new ArrayList<>();
        for (Map<String, Object> r : g) {
            String status = (String) r.get("status");
            completed += "COMPLETED".equals(status) ? 1 : 0;
            diverged += "DIVERGED".equals(status) ? 1 : 0;
            failed += "FAILED".equals(status) ? 1 : 0;
            Object ttf = r.get("time_to_full_rank");
            reached += ttf != null ? 1 : 0;
            if (!"FAILED".equals(status)) {
                Object t = ttf != null ? ttf : r.get("epochs_run");
                if (t != null) {
                    km.add(new double[] {((Number) t).doubleValue(), ttf != null ? 1 : 0});
                }
            }
        }
        v.put("runs", (long) g.size());
        v.put("completed", completed);
        v.put("diverged", diverged);
        v.put("failed", failed);
        v.put("reached_full_rank", reached);
        v.put("fraction_full_rank", reached / (double) g.size());
        v.put("time_to_full_rank_median", percentile(g, "time_to_full_rank", 0.5));
        v.put("time_to_full_rank_q1", percentile(g, "time_to_full_rank", 0.25));
        v.put("time_to_full_rank_q3", percentile(g, "time_to_full_rank", 0.75));
        v.put("time_to_full_rank_mean", mean(g, "time_to_full_rank"));
        v.put("time_to_full_rank_km_median", Summaries.kaplanMeierMedian(km));
        v.put("final_rank_mean", mean(g, "final_rank"));
        v.put("final_loss_mean", mean(g, "final_loss"));
        v.put("final_loss_std", stddevSamp(g, "final_loss"));
        v.put("final_loss_median", percentile(g, "final_loss", 0.5));
        v.put("final_loss_min", extreme(g, "final_loss", false));
        v.put("final_loss_max", extreme(g, "final_loss", true));
        v.put("loss_gap_mean", mean(g, "loss_gap"));
        v.put("loss_gap_median", percentile(g, "loss_gap", 0.5));
        v.put("loss_gap_min", extreme(g, "loss_gap", false));
        v.put("loss_gap_max", extreme(g, "loss_gap", true));
        v.put("wall_ms_mean", mean(g, "wall_ms"));
        return v;
    }

    private static List<Double> values(List<Map<String, Object>> rows, String col) {
        List<Double> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Object x = r.get(col);
            if (x != null) {
                out.add(((Number) x).doubleValue());
            }
        }
        return out;
    }

    static Double mean(List<Map<String, Object>> rows, String col) {
        List<Double> v = values(rows, col);
        if (v.isEmpty()) {
            return null;
        }
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.size();
    }

    /** Spark's stddev_samp: Welford's running mean and M2; null below two values. */
    static Double stddevSamp(List<Map<String, Object>> rows, String col) {
        double n = 0;
        double avg = 0;
        double m2 = 0;
        for (double x : values(rows, col)) {
            n++;
            double delta = x - avg;
            double deltaN = delta / n;
            avg += deltaN;
            m2 += delta * (delta - deltaN);
        }
        return n < 2 ? null : Math.sqrt(m2 / (n - 1));
    }

    /** Spark's exact percentile: linear between the closest ranks at position p (n - 1). */
    static Double percentile(List<Map<String, Object>> rows, String col, double p) {
        List<Double> v = values(rows, col);
        if (v.isEmpty()) {
            return null;
        }
        v.sort(null);
        double pos = p * (v.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return lo == hi ? v.get(lo) : (hi - pos) * v.get(lo) + (pos - lo) * v.get(hi);
    }

    private static Object extreme(List<Map<String, Object>> rows, String col, boolean max) {
        Object best = null;
        for (Map<String, Object> r : rows) {
            Object x = r.get(col);
            if (x != null && (best == null || (max ? compare(x, best) > 0 : compare(x, best) < 0))) {
                best = x;
            }
        }
        return best;
    }

    private static int compare(Object a, Object b) {
        return Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue());
    }

    /** A row of {@code schema} from values by column name, numbers in the column's type. */
    private static Row row(StructType schema, Map<String, Object> v) {
        StructField[] fs = schema.fields();
        Object[] out = new Object[fs.length];
        for (int i = 0; i < fs.length; i++) {
            if (!v.containsKey(fs[i].name())) {
                throw new IllegalStateException("no value for summary column " + fs[i].name());
            }
            out[i] = coerce(fs[i].dataType(), v.get(fs[i].name()));
        }
        return RowFactory.create(out);
    }

    private static Object coerce(DataType t, Object x) {
        if (x == null || !(x instanceof Number)) {
            return x;
        }
        Number n = (Number) x;
        if (t.equals(DataTypes.LongType)) {
            return n.longValue();
        }
        if (t.equals(DataTypes.IntegerType)) {
            return n.intValue();
        }
        if (t.equals(DataTypes.DoubleType)) {
            return n.doubleValue();
        }
        return x;
    }
}
