package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataSpec;

/**
 * The invariance the study rests on: from a balanced rank-r start, noiseless gradient descent on a
 * linear network keeps rank(R) = r (a saddle), while gradient noise (Algorithm 1) lifts R to full rank
 * and the loss towards the global optimum.
 */
class StudyInvarianceTest {
    private static final int R = 2;

    static RunConfig.Builder base() {
        return RunConfig.builder()
                .architecture("12-8-6:linear")
                .init(InitScheme.BALANCED_LOW_RANK).initRank(R).initScale(0.5)
                .learningRate(0.1).epochs(200).checkpointEvery(10)
                .data(DataSpec.synthetic(0, 0, 40, 3, 0.1));
    }

    @Test
    void noiselessGradientDescentKeepsTheInitialRank() {
        RunResult r = Trainer.run(base().noise(NoiseType.NONE).build());
        assertEquals(RunStatus.COMPLETED, r.status);
        for (Checkpoint cp : r.checkpoints) {
            for (int t = 0; t < cp.ranks.length; t++) {
                assertEquals(R, cp.ranks[t], "rank(R) at epoch " + cp.epoch + ", tolerance " + t);
            }
            for (int i = 0; i < cp.layerRanks.length; i++) {
                assertEquals(R, cp.layerRanks[i][2], "rank(W_" + (i + 1) + ") at epoch " + cp.epoch);
            }
        }
        assertEquals(-1, r.timeToFullRank);
        // stuck at a saddle: far from the optimum although the gradient has (almost) vanished
        Checkpoint last = r.checkpoints[r.checkpoints.length - 1];
        assertTrue(last.lossGap > 10 * r.optimalLoss, "gap " + last.lossGap + " vs L* " + r.optimalLoss);
        assertTrue(last.gradNorm < 1e-3, "grad norm " + last.gradNorm);
    }

    @Test
    void gradientNoiseReachesFullRankAndTheOptimum() {
        RunResult r = Trainer.run(base().noise(NoiseType.GRADIENT).sigma(0.01).build());
        assertEquals(RunStatus.COMPLETED, r.status);
        assertEquals(6, r.fullRank);
        assertEquals(6, r.finalRank);
        assertTrue(r.timeToFullRank > 0, "time to full rank " + r.timeToFullRank);
        int previous = 0;
        for (Checkpoint cp : r.checkpoints) {
            assertTrue(cp.rank >= previous, "rank fell at epoch " + cp.epoch);
            previous = cp.rank;
        }
        assertTrue(r.lossGap < 0.2 * r.checkpoints[0].lossGap, "gap " + r.lossGap);
    }
}
