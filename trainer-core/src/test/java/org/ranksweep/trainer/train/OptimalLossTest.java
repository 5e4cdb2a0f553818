package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ranksweep.trainer.TestMatrices;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataAnalysis;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.data.Dataset;

/** L* against least squares computed independently (normal equations, Jacobi eigenvalues). */
class OptimalLossTest {
    private static final int DX = 6;
    private static final int DY = 3;
    private static final int M = 20;

    private static Dataset data() {
        return DataLoader.load(DataSpec.synthetic(DX, DY, M, 17, 0.3));
    }

    /** (X X^T)^-1 X Y^T (d_x x d_y) by Cholesky on the normal equations. */
    private static double[] normalEquations(Dataset ds) {
        double[] xxt = TestMatrices.mul(ds.x, TestMatrices.transpose(ds.x, DX, M), DX, M, DX);
        double[] xyt = TestMatrices.mul(ds.x, TestMatrices.transpose(ds.y, DY, M), DX, M, DY);
        return TestMatrices.solveSpd(xxt, xyt, DX, DY);
    }

    @Test
    void unconstrainedOptimumIsLeastSquares() {
        Dataset ds = data();
        // B = Y X^T (X X^T)^-1, i.e. (X X^T) B^T = X Y^T
        double[] bt = normalEquations(ds);
        double[] fit = TestMatrices.mul(TestMatrices.transpose(bt, DX, DY), ds.x, DY, DX, M);
        double rss = 0;
        for (int i = 0; i < fit.length; i++) {
            rss += (ds.y[i] - fit[i]) * (ds.y[i] - fit[i]);
        }
        DataAnalysis a = DataAnalysis.of(ds);
        assertEquals(0.5 * rss, a.optimalLoss(DY, LossKind.SUM), TestMatrices.F64_LOOSE * rss);
        assertEquals(0.5 * rss / M, a.optimalLoss(DY, LossKind.MEAN), TestMatrices.F64_LOOSE * rss);
        assertTrue(a.dataAssumptionsMet());
    }

    @Test
    void rankConstrainedOptimumIsReducedRankRegression() {
        Dataset ds = data();
        // L*(k) = 1/2 (||Y||^2 - sum_{i<=k} lambda_i), lambda = eig(Y X^T (X X^T)^-1 X Y^T)
        double[] xyt = TestMatrices.mul(ds.x, TestMatrices.transpose(ds.y, DY, M), DX, M, DY);
        double[] sol = normalEquations(ds); // (X X^T)^-1 X Y^T
        double[] g = TestMatrices.mul(TestMatrices.transpose(xyt, DX, DY), sol, DY, DX, DY);
        double[] lambda = TestMatrices.symmetricEigenvalues(g, DY);
        double yy = TestMatrices.frobeniusSq(ds.y);
        DataAnalysis a = DataAnalysis.of(ds);
        for (int k = 1; k <= DY; k++) {
            double explained = 0;
            for (int i = 0; i < k; i++) {
                explained += lambda[i];
            }
            assertEquals(0.5 * (yy - explained), a.optimalLoss(k, LossKind.SUM), TestMatrices.F64_LOOSE * yy, "k=" + k);
        }
    }

    @Test
    void gradientDescentFromAFullRankStartClosesTheGap() {
        RunConfig c = RunConfig.builder().architecture("8-6-3:linear").init(InitScheme.ORTHOGONAL).initScale(0.5)
                .learningRate(0.2).epochs(1500).checkpointEvery(500)
                .data(DataSpec.synthetic(0, 0, 50, 9, 0.1)).build();
        RunResult r = Trainer.run(c);
        assertEquals(RunStatus.COMPLETED, r.status);
        double first = r.checkpoints[0].lossGap;
        assertTrue(first > 0.1, "initial gap " + first);
        for (Checkpoint cp : r.checkpoints) {
            assertTrue(cp.lossGap >= -TestMatrices.F64_LOOSE, "loss below L* at epoch " + cp.epoch + ": " + cp.lossGap);
        }
        assertTrue(r.lossGap < 1e-6 * first, "final gap " + r.lossGap + " from " + first);
        assertEquals(3, r.finalRank);
    }
}
