package org.ranksweep.sweep.spark;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Seq;

/**
 * The derived tables, recomputed from {@code runs} and {@code trajectories} after every job (so they
 * include resumed work).
 *
 * <ul>
 * <li>{@code summary}: one row per group of runs that differ only by seed ({@code group_id}).</li>
 * <li>{@code rank_curves}: one row per group and checkpoint epoch.</li>
 * </ul>
 * Time to full rank is censored for runs that never reached it: besides statistics over the runs that
 * did, {@code time_to_full_rank_km_median} is the Kaplan-Meier median, with a run that never reached
 * full rank censored at its last epoch (FAILED runs left out).
 */
final class Summaries {
    /** The configuration columns a group shares (everything but the seed and the outcome). */
    static final String[] GROUP_FIELDS = {"sweep", "architecture", "activation", "output_activation", "depth", "widths",
        "noise", "sigma", "batch_size", "jin_grad_threshold", "jin_interval", "init", "init_rank", "init_scale",
        "learning_rate", "epochs", "loss", "checkpoint_every", "precision", "primary_tolerance", "divergence_factor",
        "data_kind", "data_seed", "samples", "inputs", "outputs", "teacher_noise", "full_rank"};

    private Summaries() {
    }

    static void registerUdfs(SparkSession spark) {
        spark.udf().register("km_median", (UDF1<Seq<Row>, Double>) Summaries::kaplanMeierMedian, DataTypes.DoubleType);
    }

    static Dataset<Row> summary(Dataset<Row> runs) {
        List<Column> aggs = new ArrayList<>();
        for (String f : GROUP_FIELDS) {
            aggs.add(first(col(f)).as(f));
        }
        Column reached = col("time_to_full_rank").isNotNull();
        aggs.add(count(lit(1)).as("runs"));
        aggs.add(sum(when(col("status").equalTo("COMPLETED"), 1).otherwise(0)).as("completed"));
        aggs.add(sum(when(col("status").equalTo("DIVERGED"), 1).otherwise(0)).as("diverged"));
        aggs.add(sum(when(col("status").equalTo("FAILED"), 1).otherwise(0)).as("failed"));
        aggs.add(sum(when(reached, 1).otherwise(0)).as("reached_full_rank"));
        aggs.add(avg(when(reached, 1.0).otherwise(0.0)).as("fraction_full_rank"));
        aggs.add(expr("percentile(time_to_full_rank, 0.5)").as("time_to_full_rank_median"));
        aggs.add(expr("percentile(time_to_full_rank, 0.25)").as("time_to_full_rank_q1"));
        aggs.add(expr("percentile(time_to_full_rank, 0.75)").as("time_to_full_rank_q3"));
        aggs.add(avg(col("time_to_full_rank")).as("time_to_full_rank_mean"));
        aggs.add(call_udf("km_median", collect_list(
                when(col("status").notEqual("FAILED"), struct(
                        expr("coalesce(time_to_full_rank, epochs_run)").as("t"),
                        reached.as("event"))))).as("time_to_full_rank_km_median"));
        aggs.add(avg(col("final_rank")).as("final_rank_mean"));
        aggs.add(avg(col("final_loss")).as("final_loss_mean"));
        aggs.add(stddev_samp(col("final_loss")).as("final_loss_std"));
        aggs.add(expr("percentile(final_loss, 0.5)").as("final_loss_median"));
        aggs.add(min(col("final_loss")).as("final_loss_min"));
        aggs.add(max(col("final_loss")).as("final_loss_max"));
        aggs.add(avg(col("loss_gap")).as("loss_gap_mean"));
        aggs.add(expr("percentile(loss_gap, 0.5)").as("loss_gap_median"));
        aggs.add(min(col("loss_gap")).as("loss_gap_min"));
        aggs.add(max(col("loss_gap")).as("loss_gap_max"));
        aggs.add(avg(col("wall_ms")).as("wall_ms_mean"));
        return runs.groupBy(col("group_id"))
                .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
                .coalesce(1).sortWithinPartitions(col("group_id"));
    }

    static Dataset<Row> rankCurves(Dataset<Row> runs, Dataset<Row> trajectories) {
        Dataset<Row> groups = runs.groupBy(col("group_id")).agg(first(col("sweep")).as("sweep"),
                first(col("architecture")).as("architecture"), first(col("noise")).as("noise_type"),
                first(col("sigma")).as("sigma"), first(col("init")).as("init"), first(col("learning_rate")).as("learning_rate"),
                first(col("full_rank")).as("full_rank"));
        Dataset<Row> curves = trajectories.groupBy(col("group_id"), col("epoch")).agg(
                count(lit(1)).as("runs"),
                avg(col("rank")).as("rank_mean"),
                stddev_samp(col("rank")).as("rank_std"),
                min(col("rank")).as("rank_min"),
                expr("percentile(rank, 0.5)").as("rank_median"),
                max(col("rank")).as("rank_max"),
                avg(col("loss")).as("loss_mean"),
                avg(col("effective_rank")).as("effective_rank_mean"));
        return curves.join(groups, "group_id")
                .withColumnRenamed("noise_type", "noise")
                .coalesce(1).sortWithinPartitions(col("group_id"), col("epoch"));
    }

    /**
     * Kaplan-Meier median of (t, event) pairs: the first event time at which the estimated survival
     * S(t) = prod (1 - d_i / n_i) falls to 0.5 or below; null when it never does. Censored runs count
     * as at risk at their own time.
     */
    static Double kaplanMeierMedian(Seq<Row> pairs) {
        List<double[]> obs = new ArrayList<>();
        scala.collection.Iterator<Row> it = pairs.iterator();
        while (it.hasNext()) {
            Row r = it.next();
            if (r == null || r.isNullAt(0)) {
                continue;
            }
            obs.add(new double[] {((Number) r.get(0)).doubleValue(), r.getBoolean(1) ? 1 : 0});
        }
        return kaplanMeierMedian(obs);
    }

    static Double kaplanMeierMedian(List<double[]> obs) {
        obs.sort((a, b) -> Double.compare(a[0], b[0]));
        int n = obs.size();
        double survival = 1;
        int i = 0;
        while (i < n) {
            double t = obs.get(i)[0];
            int atRisk = n - i;
            int events = 0;
            int j = i;
            while (j < n && obs.get(j)[0] == t) {
                events += (int) obs.get(j)[1];
                j++;
            }
            if (events > 0) {
                survival *= 1 - (double) events / atRisk;
                if (survival <= 0.5) {
                    return t;
                }
            }
            i = j;
        }
        return null;
    }
}
