package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ranksweep.trainer.linalg.ComputeThreads;

/**
 * GEMM, TRMM and the element-wise calls split into blocks between two lanes against the same calls made whole on one
 * thread: splits by rows and by columns, with either operand transposed, shapes that do not divide evenly, both
 * precisions. In float64 a block of C is computed as in the whole call, to the same bits, so a shared-spectra run
 * trains exactly as a one-thread run (a Spark task) does. OpenBLAS's sgemm rounds some entries of a block
 * differently (in the last bit): float32 blocks are held to {@link #FLOAT_REL_TOL} of the largest entry.
 */
class GemmLanesTest {
    /** float32 blocks against the whole call: a few units in the last place of the largest entry. */
    private static final double FLOAT_REL_TOL = 1e-6;

    private final Random random = new Random(11);

    private int blasBefore;

    @BeforeEach
    void oneBlasThread() {
        Nd4j.create(1).close();
        blasBefore = ComputeThreads.blas(1);
    }

    @AfterEach
    void noLanes() {
        Gemm.lanes(null);
        ComputeThreads.blas(blasBefore);
    }

    @Test
    void splitGemmsMatchWholeOnes() {
        // {m, n, k}: taller than wide (rows split), wider than tall (columns split), uneven sizes
        int[][] shapes = {{301, 97, 150}, {90, 333, 120}, {257, 255, 61}};
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (int[] s : shapes) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0;
                    boolean tb = (t & 2) != 0;
                    int m = s[0];
                    int n = s[1];
                    int k = s[2];
                    assertSplitAboveThreshold((double) m * n * k);
                    INDArray a = ta ? matrix(k, m, type) : matrix(m, k, type);
                    INDArray b = tb ? matrix(n, k, type) : matrix(k, n, type);
                    INDArray whole = Nd4j.create(type, new long[] {m, n}, 'f');
                    INDArray split = Nd4j.create(type, new long[] {m, n}, 'f');
                    Gemm.mul(0.5, a, b, whole, ta, tb);
                    try (Lanes lanes = new Lanes(2, "test-lane")) {
                        Gemm.lanes(lanes);
                        Gemm.mul(0.5, a, b, split, ta, tb);
                        Gemm.lanes(null);
                    }
                    assertAgree(whole, split, type + " " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }

    @Test
    void splitTrmmMatchesWhole() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (boolean trans : new boolean[] {false, true}) {
                int m = 200;
                int n = 251;
                assertSplitAboveThreshold((double) m * m * n / 2);
                INDArray l = matrix(m, m, type);
                INDArray b = matrix(m, n, type);
                INDArray whole = b.dup('f');
                INDArray split = b.dup('f');
                Gemm.mulLowerLeft(2.0, l, whole, trans);
                try (Lanes lanes = new Lanes(2, "test-lane")) {
                    Gemm.lanes(lanes);
                    Gemm.mulLowerLeft(2.0, l, split, trans);
                    Gemm.lanes(null);
                }
                assertAgree(whole, split, type + " trmm trans=" + trans);
            }
        }
    }

    @Test
    void splitElementwiseCallsMatchWholeOnes() {
        int n = Gemm.MIN_SPLIT_ELEMENTS * 2 + 13;
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray x = matrix(n, 1, type);
            INDArray y = matrix(n, 1, type);
            INDArray wholeAxpy = y.dup('f');
            Gemm.axpy(-0.25, x, wholeAxpy);
            INDArray wholeCopy = Nd4j.create(type, new long[] {n, 1}, 'f');
            Gemm.copy(x, wholeCopy);
            double[] wholeDoubles = Gemm.toDoubles(x);
            INDArray splitAxpy = y.dup('f');
            INDArray splitCopy = Nd4j.create(type, new long[] {n, 1}, 'f');
            double[] splitDoubles;
            try (Lanes lanes = new Lanes(2, "test-lane")) {
                Gemm.lanes(lanes);
                Gemm.axpy(-0.25, x, splitAxpy);
                Gemm.copy(x, splitCopy);
                splitDoubles = Gemm.toDoubles(x, new double[n]);
                Gemm.lanes(null);
            }
            assertArrayEquals(wholeAxpy.data().asDouble(), splitAxpy.data().asDouble(), 0.0, type + " axpy");
            assertArrayEquals(x.data().asDouble(), splitCopy.data().asDouble(), 0.0, type + " copy");
            assertArrayEquals(wholeDoubles, splitDoubles, 0.0, type + " toDoubles");
        }
    }

    private static void assertSplitAboveThreshold(double mulAdds) {
        if (mulAdds < Gemm.MIN_SPLIT) {
            throw new AssertionError("test shape too small to be split: " + mulAdds);
        }
    }

    private INDArray matrix(int rows, int cols, DataType type) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, 'f').castTo(type).dup('f');
    }

    /** float64: the same bits; float32: within {@link #FLOAT_REL_TOL} of the largest entry. */
    private static void assertAgree(INDArray expected, INDArray actual, String what) {
        double[] e = expected.data().asDouble();
        double tol = 0;
        if (expected.dataType() == DataType.FLOAT) {
            for (double v : e) {
                tol = Math.max(tol, FLOAT_REL_TOL * Math.abs(v));
            }
        }
        assertArrayEquals(e, actual.data().asDouble(), tol, what);
    }
}
