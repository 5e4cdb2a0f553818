package org.ranksweep.trainer.train;

import java.io.Serializable;

/** What one run produced: its outcome and its trajectory. Plain values only. */
public final class RunResult implements Serializable {
    private static final long serialVersionUID = 1L;

    public final RunStatus status;
    /** The failure or divergence reason; null when completed. */
    public final String error;
    /** Epochs trained (the divergence epoch for DIVERGED runs). */
    public final int epochsRun;
    /** min(d_0, ..., d_H). */
    public final int fullRank;
    /** rank(R) at the primary tolerance at the last checkpoint; -1 if there is none. */
    public final int finalRank;
    /** First checkpoint epoch at which rank(R) reached fullRank; -1 if never (censored). */
    public final int timeToFullRank;
    public final double finalLoss;
    /** Closed-form optimal loss L* for linear networks; NaN otherwise. */
    public final double optimalLoss;
    public final double lossGap;
    public final long wallMs;
    /** Milliseconds spent in checkpoints (products, SVDs, clean passes). */
    public final long checkpointMs;
    /** Milliseconds spent in SVDs alone. */
    public final long svdMs;
    public final Checkpoint[] checkpoints;
    /** The data check; null when the run failed before it. */
    public final DataReport data;
    /** How the loss and gradients were computed: {@code direct} or {@code sufficient-statistics}. */
    public final String path;
    /** Peak bytes of native (off-heap) arrays the run held at once: data, weights, buffers. */
    public final long nativeBytes;
    /** Bytes the run allocated on the Java heap on its own thread (JVM-dependent; -1 when unknown). */
    public final long heapAllocatedBytes;
    /** FLOPs the layers' rank decisions took, as {@code LayerRanks} did them (often less than an SVD each). */
    public final double layerRankFlops;

    public RunResult(RunStatus status, String error, int epochsRun, int fullRank, int finalRank,
            int timeToFullRank, double finalLoss, double optimalLoss, double lossGap, long wallMs,
            long checkpointMs, long svdMs, Checkpoint[] checkpoints, DataReport data, String path, long nativeBytes,
            long heapAllocatedBytes, double layerRankFlops) {
        this.status = status;
        this.error = error;
        this.epochsRun = epochsRun;
        this.fullRank = fullRank;
        this.finalRank = finalRank;
        this.timeToFullRank = timeToFullRank;
        this.finalLoss = finalLoss;
        this.optimalLoss = optimalLoss;
        this.lossGap = lossGap;
        this.wallMs = wallMs;
        this.checkpointMs = checkpointMs;
        this.svdMs = svdMs;
        this.checkpoints = checkpoints;
        this.data = data;
        this.path = path;
        this.nativeBytes = nativeBytes;
        this.heapAllocatedBytes = heapAllocatedBytes;
        this.layerRankFlops = layerRankFlops;
    }

    /** A run that failed before training: no checkpoints, no data check. */
    public static RunResult failedBeforeTraining(int fullRank, Throwable cause) {
        return new RunResult(RunStatus.FAILED, cause.getClass().getName() + ": " + cause.getMessage(), 0, fullRank,
                -1, -1, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, new Checkpoint[0], null, null, 0, -1, 0);
    }

    public boolean reachedFullRank() {
        return timeToFullRank >= 0;
    }
}
