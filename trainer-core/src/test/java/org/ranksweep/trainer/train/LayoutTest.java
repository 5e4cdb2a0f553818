package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ranksweep.trainer.TestMatrices;
import org.ranksweep.trainer.config.Activation;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.data.Dataset;
import org.ranksweep.trainer.linalg.Svd;
import org.ranksweep.trainer.linalg.Tolerance;

/**
 * The network holds its weights transposed and its data one row per sample ({@link Network}'s class
 * comment): what goes in and comes out is still W_i and R = W_H...W_1 as the contract states them.
 */
class LayoutTest {
    /** Relative agreement of singular values from LAPACK and from Jacobi on R R^T (squared, so about sqrt(eps) lost at most). */
    private static final double SPECTRUM = 1e-9;
    /** Singular values compared against Jacobi: those above this share of the largest (R R^T squares the rest away). */
    private static final double COMPARED = 1e-4;

    @ParameterizedTest
    @EnumSource(names = {"DOUBLE", "FLOAT"})
    void transposedIsTheTransposeInEitherPrecision(DataType type) {
        // a 3 x 5 column-major matrix whose entry (i, j) is 10 i + j
        double[] a = new double[15];
        for (int j = 0; j < 5; j++) {
            for (int i = 0; i < 3; i++) {
                a[j * 3 + i] = 10 * i + j;
            }
        }
        try (INDArray t = Network.transposed(a, 3, 5, type)) {
            assertEquals(type, t.dataType());
            assertEquals('f', t.ordering());
            assertArrayEquals(new long[] {5, 3}, t.shape());
            for (int j = 0; j < 5; j++) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(10 * i + j, t.getDouble(j, i), 0.0, "entry (" + j + ", " + i + ")");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"DOUBLE", "FLOAT"})
    void transposedCopiesEveryEntryAcrossBlocks(DataType type) {
        // sides past a block and between blocks
        Random rnd = new Random(3);
        int rows = 37;
        int cols = 70;
        double[] a = TestMatrices.gaussian(rnd, rows * cols, 1);
        double[] expected = TestMatrices.transpose(a, rows, cols);
        try (INDArray t = Network.transposed(a, rows, cols, type)) {
            double[] got = Gemm.toDoubles(t);
            for (int k = 0; k < expected.length; k++) {
                double want = type == DataType.FLOAT ? (float) expected[k] : expected[k];
                assertEquals(want, got[k], 0.0, type + " entry " + k);
            }
        }
    }

    @Test
    void weightsGoInAndComeOutAsTheContractStatesThem() {
        Random rnd = new Random(8);
        int[] widths = {6, 4, 3};
        double[][] w0 = {TestMatrices.gaussian(rnd, 4 * 6, 1), TestMatrices.gaussian(rnd, 3 * 4, 1)};
        try (Network net = new Network(widths, Activation.LINEAR, Activation.LINEAR, LossKind.SUM, DataType.DOUBLE, w0)) {
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(w0[i], net.weights(i), 0.0, "W_" + (i + 1));
                assertArrayEquals(TestMatrices.transpose(w0[i], widths[i + 1], widths[i]),
                        net.transposedWeights(i, null), 0.0, "W_" + (i + 1) + "^T");
            }
            double[] lifted = TestMatrices.gaussian(rnd, 3 * 4, 1);
            net.setWeights(1, lifted);
            assertArrayEquals(lifted, net.weights(1), 0.0, "W_2 after setWeights");
            assertArrayEquals(w0[0], net.weights(0), 0.0, "W_1 untouched");
        }
    }

    /**
     * A rank-2 start, so R and every W_i stay rank-deficient: the spectra must be those of R and the W_i,
     * not of a matrix read with the wrong shape (a reshape of a rank-2 matrix generally has a higher rank).
     */
    @ParameterizedTest
    @EnumSource(names = {"DIRECT", "SUFFICIENT_STATISTICS"})
    void recordedSpectraAreThoseOfTheFinalWeights(Trainer.Path path) {
        int[] d = {7, 6, 5, 4};
        RunConfig c = RunConfig.builder().architecture("7-6-5-4:linear").init(InitScheme.BALANCED_LOW_RANK).initRank(2)
                .initScale(0.5).learningRate(0.02).epochs(6).checkpointEvery(3).seed(2)
                .data(DataSpec.synthetic(0, 0, 20, 6, 0.1)).build();
        Dataset ds = DataLoader.load(c.data);
        Trainer.Outcome run = Trainer.runKeepingWeights(c, ds, path);
        Checkpoint last = run.result.checkpoints[run.result.checkpoints.length - 1];
        assertEquals(6, last.epoch);

        double[] r = run.weights[0];
        for (int i = 1; i < run.weights.length; i++) {
            r = TestMatrices.mul(run.weights[i], r, d[i + 1], d[i], d[0]);
        }
        // R R^T (4 x 4) by Jacobi: the squares of R's singular values
        double[] rrt = TestMatrices.mul(r, TestMatrices.transpose(r, d[3], d[0]), d[3], d[0], d[3]);
        double[] eig = TestMatrices.symmetricEigenvalues(rrt, d[3]);
        double top = Math.sqrt(eig[0]);
        int compared = 0;
        for (int k = 0; k < eig.length; k++) {
            double s = Math.sqrt(Math.max(0, eig[k]));
            if (s > COMPARED * top) {
                assertEquals(s, last.singularValues[k], SPECTRUM * top, path + ": singular value " + k + " of R");
                compared++;
            } else {
                assertEquals(0, last.singularValues[k], COMPARED * top, path + ": singular value " + k + " of R");
            }
        }
        assertEquals(2, compared, path + ": R keeps the start's rank");
        assertEquals(2, last.rank, path + ": rank of R");
        Tolerance[] numpy = {Tolerance.NUMPY};
        for (int i = 0; i < run.weights.length; i++) {
            int[] expected = Tolerance.ranks(numpy, Svd.values(run.weights[i], d[i + 1], d[i]), d[i + 1], d[i], 0x1p-52);
            assertEquals(2, expected[0], "W_" + (i + 1) + " keeps the start's rank");
            assertEquals(expected[0], last.layerRanks[i][0], path + ": rank of W_" + (i + 1));
        }
    }
}
