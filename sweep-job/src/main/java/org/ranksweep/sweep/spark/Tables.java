package org.ranksweep.sweep.spark;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The schemas of the {@code runs} and {@code trajectories} tables and the rows of a {@link RunRecord}.
 * Column names are snake_case; non-finite doubles and "never" are written as null.
 */
public final class Tables {
    private Tables() {
    }

    public static final String RUNS = "runs";
    public static final String TRAJECTORIES = "trajectories";
    public static final String SUMMARY = "summary";
    public static final String RANK_CURVES = "rank_curves";
    /** Both run tables are partitioned by this column, so a query for one noise type reads its part only. */
    public static final String PARTITION = "noise";

    private static StructField f(String name, DataType type, boolean nullable) {
        return new StructField(name, type, nullable, Metadata.empty());
    }

    public static final StructType RUNS_SCHEMA = new StructType(new StructField[] {
        f("sweep", StringType, false),
        f("config_id", StringType, false),
        f("group_id", StringType, false),
        f("run_index", LongType, false),
        f("architecture", StringType, false),
        f("activation", StringType, false),
        f("output_activation", StringType, false),
        f("depth", IntegerType, false),
        f("widths", createArrayType(IntegerType, false), false),
        f("noise", StringType, false),
        f("sigma", DoubleType, false),
        f("batch_size", IntegerType, false),
        f("jin_grad_threshold", DoubleType, false),
        f("jin_interval", IntegerType, false),
        f("seed", LongType, false),
        f("init", StringType, false),
        f("init_rank", IntegerType, false),
        f("init_scale", DoubleType, false),
        f("learning_rate", DoubleType, false),
        f("epochs", IntegerType, false),
        f("loss", StringType, false),
        f("checkpoint_every", IntegerType, false),
        f("precision", StringType, false),
        f("tolerances", createArrayType(StringType, false), false),
        f("primary_tolerance", StringType, false),
        f("divergence_factor", DoubleType, false),
        f("data_kind", StringType, false),
        f("data_seed", LongType, false),
        f("samples", IntegerType, false),
        f("inputs", IntegerType, false),
        f("outputs", IntegerType, false),
        f("teacher_noise", DoubleType, false),
        f("status", StringType, false),
        f("error", StringType, true),
        f("epochs_run", IntegerType, false),
        f("full_rank", IntegerType, false),
        f("final_rank", IntegerType, true),
        f("time_to_full_rank", IntegerType, true),
        f("final_loss", DoubleType, true),
        f("optimal_loss", DoubleType, true),
        f("loss_gap", DoubleType, true),
        f("assumptions_met", BooleanType, false),
        f("wall_ms", LongType, false),
        f("executor", StringType, false),
        f("finished_at", TimestampType, false),
        f("software_version", StringType, false),
    });

    public static final StructType TRAJECTORIES_SCHEMA = new StructType(new StructField[] {
        f("sweep", StringType, false),
        f("config_id", StringType, false),
        f("group_id", StringType, false),
        f("noise", StringType, false),
        f("epoch", IntegerType, false),
        f("loss", DoubleType, true),
        f("grad_norm", DoubleType, true),
        f("rank", IntegerType, false),
        f("ranks", createArrayType(IntegerType, false), false),
        f("layer_ranks", createArrayType(createArrayType(IntegerType, false), false), false),
        f("singular_values", createArrayType(DoubleType, false), false),
        f("effective_rank", DoubleType, true),
        f("stable_rank", DoubleType, true),
        f("loss_gap", DoubleType, true),
        f("elapsed_ms", LongType, false),
    });

    private static StructType nullable(Object... nameType) {
        StructField[] fs = new StructField[nameType.length / 2];
        for (int i = 0; i < fs.length; i++) {
            String name = (String) nameType[2 * i];
            fs[i] = f(name, (DataType) nameType[2 * i + 1], !name.equals("runs")); // counts are never null
        }
        return new StructType(fs);
    }

    /**
     * {@code summary}: one row per group of runs differing only by seed, as {@link Summaries#summary}
     * defines it over the tables read back (where every column is nullable); tests check that Spark's
     * analysis of that query gives exactly this schema.
     */
    public static final StructType SUMMARY_SCHEMA = nullable(
            "group_id", StringType, "sweep", StringType, "architecture", StringType, "activation", StringType,
            "output_activation", StringType, "depth", IntegerType, "widths", createArrayType(IntegerType, true),
            "noise", StringType, "sigma", DoubleType, "batch_size", IntegerType, "jin_grad_threshold", DoubleType,
            "jin_interval", IntegerType, "init", StringType, "init_rank", IntegerType, "init_scale", DoubleType,
            "learning_rate", DoubleType, "epochs", IntegerType, "loss", StringType, "checkpoint_every", IntegerType,
            "precision", StringType, "primary_tolerance", StringType, "divergence_factor", DoubleType,
            "data_kind", StringType, "data_seed", LongType, "samples", IntegerType, "inputs", IntegerType,
            "outputs", IntegerType, "teacher_noise", DoubleType, "full_rank", IntegerType,
            "runs", LongType, "completed", LongType, "diverged", LongType, "failed", LongType,
            "reached_full_rank", LongType, "fraction_full_rank", DoubleType,
            "time_to_full_rank_median", DoubleType, "time_to_full_rank_q1", DoubleType,
            "time_to_full_rank_q3", DoubleType, "time_to_full_rank_mean", DoubleType,
            "time_to_full_rank_km_median", DoubleType, "final_rank_mean", DoubleType,
            "final_loss_mean", DoubleType, "final_loss_std", DoubleType, "final_loss_median", DoubleType,
            "final_loss_min", DoubleType, "final_loss_max", DoubleType, "loss_gap_mean", DoubleType,
            "loss_gap_median", DoubleType, "loss_gap_min", DoubleType, "loss_gap_max", DoubleType,
            "wall_ms_mean", DoubleType);

    /** {@code rank_curves}: one row per group and checkpoint epoch ({@link Summaries#rankCurves}). */
    public static final StructType RANK_CURVES_SCHEMA = nullable(
            "group_id", StringType, "epoch", IntegerType, "runs", LongType, "rank_mean", DoubleType,
            "rank_std", DoubleType, "rank_min", IntegerType, "rank_median", DoubleType, "rank_max", IntegerType,
            "loss_mean", DoubleType, "effective_rank_mean", DoubleType, "sweep", StringType,
            "architecture", StringType, "noise", StringType, "sigma", DoubleType, "init", StringType,
            "learning_rate", DoubleType, "full_rank", IntegerType);

    /** A table's schema as stored in its files: without the partition column, which is in the path. */
    static StructType fileSchema(StructType table) {
        List<StructField> kept = new ArrayList<>();
        for (StructField f : table.fields()) {
            if (!f.name().equals(PARTITION)) {
                kept.add(f);
            }
        }
        return new StructType(kept.toArray(new StructField[0]));
    }

    /** A row of {@code table} without its partition column, matching {@link #fileSchema}. */
    static Row withoutPartition(Row row, StructType table) {
        int skip = table.fieldIndex(PARTITION);
        Object[] v = new Object[row.length() - 1];
        for (int i = 0, j = 0; i < row.length(); i++) {
            if (i != skip) {
                v[j++] = row.get(i);
            }
        }
        return RowFactory.create(v);
    }

    static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    public static Row runRow(RunRecord r) {
        return RowFactory.create(r.sweep, r.configId, r.groupId, r.runIndex, r.architecture, r.activation,
                r.outputActivation, r.depth, r.widths, r.noise, r.sigma, r.batchSize, r.jinGradThreshold,
                r.jinInterval, r.seed, r.init, r.initRank, r.initScale, r.learningRate, r.epochs, r.loss,
                r.checkpointEvery, r.precision, r.tolerances, r.primaryTolerance, r.divergenceFactor,
                r.dataKind, r.dataSeed, r.samples, r.inputs, r.outputs, r.teacherNoise, r.status, r.error,
                r.epochsRun, r.fullRank, r.finalRank < 0 ? null : r.finalRank,
                r.timeToFullRank < 0 ? null : r.timeToFullRank, finite(r.finalLoss), finite(r.optimalLoss),
                finite(r.lossGap), r.assumptionsMet, r.wallMs, r.executor, new Timestamp(r.finishedAtMillis),
                r.softwareVersion);
    }

    public static Iterator<Row> trajectoryRows(RunRecord r) {
        List<Row> rows = new ArrayList<>(r.cpEpoch.length);
        for (int i = 0; i < r.cpEpoch.length; i++) {
            rows.add(RowFactory.create(r.sweep, r.configId, r.groupId, r.noise, r.cpEpoch[i], finite(r.cpLoss[i]),
                    finite(r.cpGradNorm[i]), r.cpRank[i], r.cpRanks[i], r.cpLayerRanks[i], r.cpSingularValues[i],
                    finite(r.cpEffectiveRank[i]), finite(r.cpStableRank[i]), finite(r.cpLossGap[i]),
                    r.cpElapsedMs[i]));
        }
        return rows.iterator();
    }
}
