package org.ranksweep.trainer.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.train.Checkpoint;
import org.ranksweep.trainer.train.DataReport;
import org.ranksweep.trainer.train.RunResult;

/** The human-readable view of one run: a header, the trajectory table and the outcome. */
final class TrajectoryTable {
    private TrajectoryTable() {
    }

    static void print(RunConfig c, RunResult r, PrintStream out) {
        out.printf(Locale.ROOT, "run: %s  noise=%s sigma=%s seed=%d init=%s%s lr=%s epochs=%d %s %s%n",
                c.architecture(), c.noise, num(c.sigma), c.seed, c.init,
                c.init.usesRank() ? "(rank " + c.initRank + ")" : "", num(c.learningRate), c.epochs, c.loss,
                c.precision);
        DataReport d = r.data;
        if (d == null) {
            out.printf(Locale.ROOT, "status: %s (%s)%n", r.status, r.error);
            return;
        }
        out.printf(Locale.ROOT, "data: %s; X %dx%d, Y %dx%d; Yun et al. assumptions %s "
                + "(width %s, d<=m %s, XX^T/YX^T full rank %s, distinct singular values %s)%n",
                c.data, d.inputs, d.samples, d.outputs, d.samples, d.assumptionsMet() ? "met" : "NOT met",
                yes(d.widthAssumption), yes(d.shapesWithinSamples), yes(d.fullRankMoments),
                yes(d.distinctSingularValues));
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%6s %13s %11s %11s %5s",
                "epoch", "loss", "gap", "grad_norm", "rank"));
        for (String t : c.tolerances) {
            head.append(String.format(Locale.ROOT, " %9s", t));
        }
        head.append(String.format(Locale.ROOT, " %-18s %8s %8s %8s", " layer_ranks", "eff_rank", "stable", "ms"));
        out.println(head);
        int p = c.primaryIndex();
        for (Checkpoint cp : r.checkpoints) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%6d %13.6e %11s %11.4e %5d",
                    cp.epoch, cp.loss, Double.isNaN(cp.lossGap) ? "-" : String.format(Locale.ROOT, "%.4e", cp.lossGap),
                    cp.gradNorm, cp.rank));
            for (int rk : cp.ranks) {
                row.append(String.format(Locale.ROOT, " %9d", rk));
            }
            StringBuilder layers = new StringBuilder();
            for (int[] lr : cp.layerRanks) {
                layers.append(layers.length() == 0 ? "" : ",").append(lr[p]);
            }
            row.append(String.format(Locale.ROOT, "  %-17s %8.2f %8.2f %8d", layers, cp.effectiveRank,
                    cp.stableRank, cp.elapsedMs));
            out.println(row);
        }
        out.printf(Locale.ROOT, "status: %s%s%n", r.status, r.error == null ? "" : " (" + r.error + ")");
        out.printf(Locale.ROOT, "full rank %d; final rank %d; time to full rank: %s; final loss %.6e; "
                + "optimal loss %s; wall %d ms (checkpoints %d ms, of which SVD %d ms)%n",
                r.fullRank, r.finalRank, r.reachedFullRank() ? "epoch " + r.timeToFullRank : "never (censored)",
                r.finalLoss, Double.isNaN(r.optimalLoss) ? "n/a (non-linear)" : String.format(Locale.ROOT, "%.6e",
                        r.optimalLoss), r.wallMs, r.checkpointMs, r.svdMs);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }
}
