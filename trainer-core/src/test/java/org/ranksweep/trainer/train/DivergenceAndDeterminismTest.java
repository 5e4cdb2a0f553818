package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ranksweep.trainer.TestMatrices;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.Precision;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.data.Dataset;

class DivergenceAndDeterminismTest {
    @Test
    void hugeLearningRateDivergesAtTheRightEpochKeepingItsTrajectory() {
        double factor = 1e6;
        RunConfig c = RunConfig.builder().architecture("5-4-3:linear").init(InitScheme.GAUSSIAN).initScale(0.5)
                .learningRate(3.0).epochs(100).checkpointEvery(1).divergenceFactor(factor)
                .data(DataSpec.synthetic(0, 0, 12, 1, 0.1)).build();
        Dataset ds = DataLoader.load(c.data);
        // The same gradient descent in plain Java: the first epoch whose loss is not finite or past the bound.
        double[][] w = Initializer.initialWeights(c);
        double l0 = plainLoss(w, ds);
        int expected = -1;
        for (int e = 1; e <= c.epochs; e++) {
            plainStep(w, ds, c.learningRate);
            double l = plainLoss(w, ds);
            if (!Double.isFinite(l) || l > factor * l0) {
                expected = e;
                break;
            }
        }
        assertTrue(expected > 1, "the reference run must diverge after a few epochs, did at " + expected);
        RunResult r = Trainer.run(c);
        assertEquals(RunStatus.DIVERGED, r.status);
        assertEquals(expected, r.epochsRun);
        assertNotNull(r.error);
        assertEquals(expected, r.checkpoints.length, "checkpoints 0 .. " + (expected - 1) + " kept");
        for (int i = 0; i < r.checkpoints.length; i++) {
            assertEquals(i, r.checkpoints[i].epoch);
            assertTrue(Double.isFinite(r.checkpoints[i].loss));
        }
        int firstFull = -1;
        for (Checkpoint cp : r.checkpoints) {
            if (cp.rank == 3) {
                firstFull = cp.epoch;
                break;
            }
        }
        assertEquals(firstFull, r.timeToFullRank, "time to full rank is read from the kept trajectory");
    }

    @Test
    void anExceptionEndsTheRunAsFailedWithItsMessage() {
        RunConfig c = RunConfig.builder().architecture("4-3-2:linear").data(DataSpec.synthetic(0, 0, 6, 1, 0.1)).build();
        double[] x = new double[4 * 6];
        java.util.Arrays.fill(x, 1.0);
        x[9] = Double.NaN; // sample 2, column 1
        Dataset bad = new Dataset(x, new double[2 * 6], 4, 2, 6);
        RunResult r = Trainer.run(c, bad);
        assertEquals(RunStatus.FAILED, r.status);
        assertTrue(r.error.contains("X has a non-finite value NaN at sample 2, column 1"), r.error);
        assertEquals(0, r.checkpoints.length);
        assertEquals(-1, r.finalRank);
    }

    private static double plainLoss(double[][] w, Dataset ds) {
        double[] h = TestMatrices.mul(w[0], ds.x, 4, 5, ds.samples);
        double[] f = TestMatrices.mul(w[1], h, 3, 4, ds.samples);
        double s = 0;
        for (int i = 0; i < f.length; i++) {
            s += (f[i] - ds.y[i]) * (f[i] - ds.y[i]);
        }
        return 0.5 * s;
    }

    private static void plainStep(double[][] w, Dataset ds, double lr) {
        int m = ds.samples;
        double[] h = TestMatrices.mul(w[0], ds.x, 4, 5, m);
        double[] e = TestMatrices.mul(w[1], h, 3, 4, m);
        for (int i = 0; i < e.length; i++) {
            e[i] -= ds.y[i];
        }
        double[] g2 = TestMatrices.mul(e, TestMatrices.transpose(h, 4, m), 3, m, 4);
        double[] d1 = TestMatrices.mul(TestMatrices.transpose(w[1], 3, 4), e, 4, 3, m);
        double[] g1 = TestMatrices.mul(d1, TestMatrices.transpose(ds.x, 5, m), 4, m, 5);
        for (int i = 0; i < g1.length; i++) {
            w[0][i] -= lr * g1[i];
        }
        for (int i = 0; i < g2.length; i++) {
            w[1][i] -= lr * g2[i];
        }
    }

    @ParameterizedTest
    @EnumSource(value = NoiseType.class, names = {"GRADIENT", "SGD", "INPUT", "OUTPUT", "GAUSSIAN_DROPOUT",
            "BERNOULLI_DROPOUT", "JIN_PGD", "SPECTRAL"})
    void sameConfigSameBits(NoiseType noise) {
        for (Precision p : Precision.values()) {
            RunConfig c = RunConfig.builder().architecture("9-7-6-4:tanh").noise(noise)
                    .sigma(noise == NoiseType.BERNOULLI_DROPOUT ? 0.2 : 0.05).batchSize(8).jinGradThreshold(5)
                    .init(InitScheme.TRUNCATED_RANK).initRank(2).learningRate(0.05).epochs(5).precision(p)
                    .seed(42).data(DataSpec.synthetic(0, 0, 25, 3, 0.1)).build();
            RunResult a = Trainer.run(c);
            RunResult b = Trainer.run(c);
            assertEquals(RunStatus.COMPLETED, a.status, String.valueOf(a.error));
            assertSameCheckpoints(a, b, noise + " " + p);
        }
    }

    @ParameterizedTest
    @EnumSource(value = NoiseType.class, names = {"NONE", "GRADIENT", "GAUSSIAN_DROPOUT", "SPECTRAL"})
    void batchedSpectraChangeNothing(NoiseType noise) {
        RunConfig c = RunConfig.builder().architecture("70-66-65:linear").noise(noise).sigma(0.05)
                .init(InitScheme.BALANCED_LOW_RANK).initRank(3).learningRate(0.05).epochs(7).seed(4)
                .data(DataSpec.synthetic(0, 0, 80, 3, 0.1)).build();
        Dataset ds = DataLoader.load(c.data);
        // training on two BLAS threads, as a single run does (the tests run with one): each batch drops them to
        // one and must give both back
        withBlasThreads(2, () -> {
            int blasThreads = org.ranksweep.trainer.linalg.ComputeThreads.get();
            RunResult plain = Trainer.run(c, ds, Trainer.SpectraMode.IN_LINE);
            assertEquals(8, plain.checkpoints.length);
            long perCheckpoint = 8L * (65 * 70 + 66 * 70 + 65 * 66);
            // one batch at the end, a batch per checkpoint, and batches of three checkpoints (the last of two)
            long[] budgets = {Trainer.SPECTRA_BATCH_BYTES, 1, 3 * perCheckpoint};
            int[] expectedBatches = {1, 8, 3};
            for (int k = 0; k < budgets.length; k++) {
                Trainer.Batched batched = Trainer.runBatched(c, ds, budgets[k]);
                assertEquals(expectedBatches[k], batched.batches, noise + " batches at " + budgets[k] + " bytes");
                assertEquals(blasThreads, org.ranksweep.trainer.linalg.ComputeThreads.get(), "BLAS threads restored");
                assertSameCheckpoints(plain, batched.result, noise + " at " + budgets[k] + " bytes");
            }
            assertSameCheckpoints(plain, Trainer.run(c, ds, Trainer.SpectraMode.ALONGSIDE), noise + " alongside");
            assertSameCheckpoints(plain, Trainer.run(c, ds, Trainer.SpectraMode.BATCHED), noise + " batched");
        });
    }

    @ParameterizedTest
    @EnumSource(value = NoiseType.class, names = {"NONE", "GRADIENT", "GAUSSIAN_DROPOUT"})
    void sharedSpectraOnTwoLanesTrainAsOneThreadDoes(NoiseType noise) {
        // large enough that the GEMMs (400 x 250 x 300) and the element-wise calls on W_1 and the output
        // (75,000 and 80,000 entries) are split between the lanes
        RunConfig c = RunConfig.builder().architecture("300-250-200:linear").noise(noise).sigma(0.05)
                .init(InitScheme.BALANCED_LOW_RANK).initRank(3).learningRate(0.002).epochs(6).seed(4)
                .data(DataSpec.synthetic(0, 0, 400, 3, 0.1)).build();
        Dataset ds = DataLoader.load(c.data);
        withBlasThreads(1, () -> {
            Trainer.Path[] paths = noise == NoiseType.NONE
                    ? new Trainer.Path[] {Trainer.Path.DIRECT, Trainer.Path.SUFFICIENT_STATISTICS}
                    : new Trainer.Path[] {Trainer.Path.DIRECT};
            for (Trainer.Path path : paths) {
                String what = noise + " " + path.label();
                // one thread, as a Spark task trains
                org.ranksweep.trainer.linalg.ComputeThreads.blas(1);
                RunResult plain = Trainer.run(c, ds, Trainer.SpectraMode.IN_LINE, path);
                // two lanes, each block of a split GEMM a one-thread call
                org.ranksweep.trainer.linalg.ComputeThreads.blas(2);
                RunResult shared = Trainer.run(c, ds, Trainer.SpectraMode.SHARED, path);
                assertEquals(RunStatus.COMPLETED, shared.status, String.valueOf(shared.error));
                assertEquals(2, org.ranksweep.trainer.linalg.ComputeThreads.get(), "BLAS threads restored");
                assertSameCheckpoints(plain, shared, what + " shared on two lanes");
            }
            // training takes spectra on itself once a byte of copies waits: the same bits
            assertSameCheckpoints(Trainer.run(c, ds, Trainer.SpectraMode.SHARED, Trainer.Path.DIRECT),
                    Trainer.runShared(c, ds, Trainer.Path.DIRECT, 1), noise + " shared, training helping");
        });
    }

    /**
     * Runs {@code body} with ND4J's BLAS at {@code threads} threads, and gives back the count it had. ND4J starts
     * OpenBLAS, so the threads are set after that.
     */
    private static void withBlasThreads(int threads, Runnable body) {
        org.nd4j.linalg.factory.Nd4j.create(1).close();
        int before = org.ranksweep.trainer.linalg.ComputeThreads.blas(threads);
        try {
            body.run();
        } finally {
            org.ranksweep.trainer.linalg.ComputeThreads.blas(before);
        }
    }

    private static void assertSameCheckpoints(RunResult plain, RunResult other, String what) {
        assertEquals(plain.checkpoints.length, other.checkpoints.length, what);
        for (int i = 0; i < plain.checkpoints.length; i++) {
            Checkpoint a = plain.checkpoints[i];
            Checkpoint b = other.checkpoints[i];
            String where = what + " epoch " + a.epoch;
            assertEquals(a.epoch, b.epoch, where);
            assertEquals(Double.doubleToLongBits(a.loss), Double.doubleToLongBits(b.loss), where);
            assertEquals(Double.doubleToLongBits(a.gradNorm), Double.doubleToLongBits(b.gradNorm), where);
            assertArrayEquals(a.singularValues, b.singularValues, 0.0, where);
            assertArrayEquals(a.ranks, b.ranks, where);
            for (int l = 0; l < a.layerRanks.length; l++) {
                assertArrayEquals(a.layerRanks[l], b.layerRanks[l], where + " layer " + l);
            }
        }
    }

    @Test
    void float32FollowsFloat64() {
        RunConfig.Builder b = RunConfig.builder().architecture("10-8-5:sigmoid").noise(NoiseType.NONE)
                .learningRate(0.1).epochs(20).checkpointEvery(5).data(DataSpec.synthetic(0, 0, 30, 2, 0.1));
        RunResult d = Trainer.run(b.precision(Precision.FLOAT64).build());
        RunResult f = Trainer.run(b.precision(Precision.FLOAT32).build());
        for (int i = 0; i < d.checkpoints.length; i++) {
            assertEquals(d.checkpoints[i].loss, f.checkpoints[i].loss, 1e-5 * d.checkpoints[i].loss);
            assertEquals(d.checkpoints[i].singularValues[0], f.checkpoints[i].singularValues[0],
                    1e-5 * d.checkpoints[i].singularValues[0]);
        }
    }
}
