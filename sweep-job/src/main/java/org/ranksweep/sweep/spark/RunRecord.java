package org.ranksweep.sweep.spark;

import java.io.Serializable;
import org.ranksweep.sweep.grid.ConfigId;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.train.Checkpoint;
import org.ranksweep.trainer.train.DataReport;
import org.ranksweep.trainer.train.RunResult;

/**
 * One finished run as it travels from an executor to the tables: plain final fields of primitives,
 * strings and arrays (Kryo-registered; no records, no immutable collections, no ND4J arrays).
 */
public final class RunRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    // identity
    public final String sweep;
    public final String configId;
    public final String groupId;
    public final long runIndex;
    // configuration
    public final String architecture;
    public final String activation;
    public final String outputActivation;
    public final int depth;
    public final int[] widths;
    public final String noise;
    public final double sigma;
    public final int batchSize;
    public final double jinGradThreshold;
    public final int jinInterval;
    public final long seed;
    public final String init;
    public final int initRank;
    public final double initScale;
    public final double learningRate;
    public final int epochs;
    public final String loss;
    public final int checkpointEvery;
    public final String precision;
    public final String[] tolerances;
    public final String primaryTolerance;
    public final double divergenceFactor;
    public final String dataKind;
    public final long dataSeed;
    public final int samples;
    public final int inputs;
    public final int outputs;
    public final double teacherNoise;
    // outcome
    public final String status;
    public final String error;
    public final int epochsRun;
    public final int fullRank;
    public final int finalRank;
    public final int timeToFullRank;
    public final double finalLoss;
    public final double optimalLoss;
    public final double lossGap;
    public final long wallMs;
    public final String executor;
    public final long finishedAtMillis;
    public final String softwareVersion;
    public final boolean assumptionsMet;
    // trajectory, one entry per checkpoint
    public final int[] cpEpoch;
    public final double[] cpLoss;
    public final double[] cpGradNorm;
    public final int[] cpRank;
    public final int[][] cpRanks;
    public final int[][][] cpLayerRanks;
    public final double[][] cpSingularValues;
    public final double[] cpEffectiveRank;
    public final double[] cpStableRank;
    public final double[] cpLossGap;
    public final long[] cpElapsedMs;

    public RunRecord(String sweep, long runIndex, RunConfig c, String dataFingerprint, RunResult r, String executor,
            long finishedAtMillis, String softwareVersion) {
        this.sweep = sweep;
        this.configId = ConfigId.of(c, dataFingerprint);
        this.groupId = ConfigId.of(c.toBuilder().seed(0).build(), dataFingerprint);
        this.runIndex = runIndex;
        this.architecture = c.architecture();
        this.activation = c.hiddenActivation.toString();
        this.outputActivation = c.outputActivation.toString();
        this.depth = c.depth();
        this.widths = c.widths.clone();
        this.noise = c.noise.toString();
        this.sigma = c.sigma;
        this.batchSize = c.batchSize;
        this.jinGradThreshold = c.jinGradThreshold;
        this.jinInterval = c.jinInterval;
        this.seed = c.seed;
        this.init = c.init.toString();
        this.initRank = c.initRank;
        this.initScale = c.initScale;
        this.learningRate = c.learningRate;
        this.epochs = c.epochs;
        this.loss = c.loss.toString();
        this.checkpointEvery = c.checkpointEvery;
        this.precision = c.precision.toString();
        this.tolerances = c.tolerances.clone();
        this.primaryTolerance = c.primaryTolerance;
        this.divergenceFactor = c.divergenceFactor;
        DataSpec d = c.data;
        this.dataKind = d.kind == DataSpec.Kind.SYNTHETIC ? "synthetic" : d.kind == DataSpec.Kind.FILE ? "file" : "parquet";
        this.dataSeed = d.seed;
        DataReport report = r.data;
        this.samples = report != null ? report.samples : d.samples;
        this.inputs = c.widths[0];
        this.outputs = c.widths[c.depth()];
        this.teacherNoise = d.teacherNoise;
        this.status = r.status.name();
        this.error = r.error;
        this.epochsRun = r.epochsRun;
        this.fullRank = r.fullRank;
        this.finalRank = r.finalRank;
        this.timeToFullRank = r.timeToFullRank;
        this.finalLoss = r.finalLoss;
        this.optimalLoss = r.optimalLoss;
        this.lossGap = r.lossGap;
        this.wallMs = r.wallMs;
        this.executor = executor;
        this.finishedAtMillis = finishedAtMillis;
        this.softwareVersion = softwareVersion;
        this.assumptionsMet = report != null && report.assumptionsMet();
        int n = r.checkpoints.length;
        cpEpoch = new int[n];
        cpLoss = new double[n];
        cpGradNorm = new double[n];
        cpRank = new int[n];
        cpRanks = new int[n][];
        cpLayerRanks = new int[n][][];
        cpSingularValues = new double[n][];
        cpEffectiveRank = new double[n];
        cpStableRank = new double[n];
        cpLossGap = new double[n];
        cpElapsedMs = new long[n];
        for (int i = 0; i < n; i++) {
            Checkpoint cp = r.checkpoints[i];
            cpEpoch[i] = cp.epoch;
            cpLoss[i] = cp.loss;
            cpGradNorm[i] = cp.gradNorm;
            cpRank[i] = cp.rank;
            cpRanks[i] = cp.ranks;
            cpLayerRanks[i] = cp.layerRanks;
            cpSingularValues[i] = cp.singularValues;
            cpEffectiveRank[i] = cp.effectiveRank;
            cpStableRank[i] = cp.stableRank;
            cpLossGap[i] = cp.lossGap;
            cpElapsedMs[i] = cp.elapsedMs;
        }
    }
}
