package org.ranksweep.trainer.bench;

import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.linalg.Svd;

/**
 * The floating-point work of one run, counted from its shapes (multiply and add count as two).
 *
 * <ul>
 * <li>A forward pass: sum_i 2 d_i d_(i-1) m. A backward pass: the same for the gradients plus the same
 *     without layer 1 for the deltas.</li>
 * <li>A checkpoint: one clean forward+backward pass (reused as the next step's gradient by the noise
 *     types whose step uses the clean gradient), R = W_H...W_1 (sum_(i>=2) 2 d_i d_(i-1) d_0), and a
 *     values-only SVD of R and of every W_i.</li>
 * <li>A values-only SVD: {@link Svd#valuesFlops}.</li>
 * </ul>
 * Elementwise work (activations, noise, residuals) is O(d m) per layer and left out.
 */
public final class FlopModel {
    private FlopModel() {
    }

    public static double pass(RunConfig c, int m, boolean backward) {
        int[] d = c.widths;
        double f = 0;
        for (int i = 1; i < d.length; i++) {
            double layer = 2.0 * d[i] * d[i - 1] * m;
            f += layer;
            if (backward) {
                f += layer;
                if (i > 1) {
                    f += layer;
                }
            }
        }
        return f;
    }

    /**
     * One clean loss-and-gradient pass on the sufficient-statistics path (see {@code Trainer.Path}):
     * the prefix products P_i = W_i...W_1 and, back, dW_i and W_i^T D_i, each 2 d_i d_(i-1) d_0 for
     * i &gt;= 2; E = R L and E L^T, each 2 d_H d_0 p, or d_H d_0^2 when L is square and triangular
     * (p = min(m, d_0)).
     */
    public static double sufficientPass(RunConfig c, int m) {
        int[] d = c.widths;
        int h = d.length - 1;
        double f = 0;
        for (int i = 2; i <= h; i++) {
            f += 3 * 2.0 * d[i] * d[i - 1] * d[0];
        }
        int p = Math.min(m, d[0]);
        f += p == d[0] ? 2.0 * d[h] * d[0] * d[0] : 2 * 2.0 * d[h] * d[0] * p;
        return f;
    }

    /**
     * The part of {@link #run} that is the layers' rank decisions, counted as an SVD of every W_i at every
     * checkpoint: the most they cost ({@code LayerRanks} often decides for less, and counts what it did).
     */
    public static double layerRankSvds(RunConfig c) {
        int[] d = c.widths;
        double f = 0;
        for (int i = 1; i < d.length; i++) {
            f += Svd.valuesFlops(d[i], d[i - 1]);
        }
        return checkpoints(c) * f;
    }

    private static int checkpoints(RunConfig c) {
        return 1 + c.epochs / c.checkpointEvery + (c.epochs % c.checkpointEvery == 0 ? 0 : 1);
    }

    /** R's product (unless the pass just made it, as the sufficient-statistics pass does) and the SVDs. */
    public static double checkpointExtras(RunConfig c, boolean product) {
        int[] d = c.widths;
        double f = 0;
        for (int i = 2; product && i < d.length; i++) {
            f += 2.0 * d[i] * d[i - 1] * d[0];
        }
        f += Svd.valuesFlops(d[d.length - 1], d[0]);
        for (int i = 1; i < d.length; i++) {
            f += Svd.valuesFlops(d[i], d[i - 1]);
        }
        return f;
    }

    /** FLOPs of the whole run of {@code c} on m samples, on the path the trainer takes for it. */
    public static double run(RunConfig c, int m) {
        return run(c, m, sufficientStatisticsCheaper(c, m));
    }

    /** Whether the sufficient-statistics path applies to {@code c} and costs fewer FLOPs a pass on m samples. */
    public static boolean sufficientStatisticsCheaper(RunConfig c, int m) {
        return c.sufficientStatisticsApply() && sufficientPass(c, m) < pass(c, m, true);
    }

    /** FLOPs of the whole run of {@code c} on m samples, on the sufficient-statistics path or the direct one. */
    public static double run(RunConfig c, int m, boolean sufficientStatistics) {
        int checkpoints = checkpoints(c);
        double pass = sufficientStatistics ? sufficientPass(c, m) : pass(c, m, true);
        double steps;
        if (c.stepUsesCleanGradient()) {
            // steps right after a checkpoint reuse its pass; the last checkpoint's pass is extra
            steps = (c.epochs - (checkpoints - 1)) * pass;
        } else {
            steps = c.epochs * pass;
        }
        if (c.noise == NoiseType.SGD) {
            steps = c.epochs * pass; // m samples per epoch, in batches
        }
        return steps + checkpoints * (pass + checkpointExtras(c, !sufficientStatistics));
    }
}
