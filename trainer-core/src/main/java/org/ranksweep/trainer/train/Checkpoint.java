package org.ranksweep.trainer.train;

import java.io.Serializable;

/**
 * The state of one run after {@code epoch} epochs (epoch 0 is the initialisation). Plain values only.
 * Rank arrays are indexed like the run's tolerances.
 */
public final class Checkpoint implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int epoch;
    /** Clean loss (no noise, no dropout, full data). */
    public final double loss;
    /** Frobenius norm of the clean full-batch gradient over all weights. */
    public final double gradNorm;
    /** rank(R) at the primary tolerance. */
    public final int rank;
    /** rank(R) at each tolerance. */
    public final int[] ranks;
    /** layerRanks[i][t]: rank of W_(i+1) at tolerance t. */
    public final int[][] layerRanks;
    /** All min(d_0, d_H) singular values of R = W_H...W_1, descending. */
    public final double[] singularValues;
    public final double effectiveRank;
    public final double stableRank;
    /** loss - L* for linear networks; NaN otherwise. */
    public final double lossGap;
    /** Milliseconds since the run started. */
    public final long elapsedMs;

    public Checkpoint(int epoch, double loss, double gradNorm, int rank, int[] ranks, int[][] layerRanks,
            double[] singularValues, double effectiveRank, double stableRank, double lossGap, long elapsedMs) {
        this.epoch = epoch;
        this.loss = loss;
        this.gradNorm = gradNorm;
        this.rank = rank;
        this.ranks = ranks;
        this.layerRanks = layerRanks;
        this.singularValues = singularValues;
        this.effectiveRank = effectiveRank;
        this.stableRank = stableRank;
        this.lossGap = lossGap;
        this.elapsedMs = elapsedMs;
    }
}
