package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GEMM, TRMM and the element-wise calls split into blocks between two lanes against the same calls made whole:
 * splits by rows and by columns, with either operand transposed, shapes that do not divide evenly, both precisions.
 */
class GemmLanesTest {
    /** Blocks of a GEMM accumulate each entry the same way as the whole; allow a few roundings all the same. */
    private static final double REL_TOL_64 = 1e-13;
    private static final double REL_TOL_32 = 1e-5;

    private final Random random = new Random(11);

    @AfterEach
    void noLanes() {
        Gemm.lanes(null);
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
                    assertClose(whole, split, type, type + " " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb);
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
                assertClose(whole, split, type, type + " trmm trans=" + trans);
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
            double wholeSum = Gemm.sumSquares(x);
            double[] wholeDoubles = Gemm.toDoubles(x);
            INDArray splitAxpy = y.dup('f');
            INDArray splitCopy = Nd4j.create(type, new long[] {n, 1}, 'f');
            double splitSum;
            double[] splitDoubles;
            try (Lanes lanes = new Lanes(2, "test-lane")) {
                Gemm.lanes(lanes);
                Gemm.axpy(-0.25, x, splitAxpy);
                Gemm.copy(x, splitCopy);
                splitSum = Gemm.sumSquares(x);
                splitDoubles = Gemm.toDoubles(x, new double[n]);
                Gemm.lanes(null);
            }
            // element-wise results are the same bits whichever lane computes them; the sum adds two partial sums
            assertArrayEquals(wholeAxpy.data().asDouble(), splitAxpy.data().asDouble(), 0.0, type + " axpy");
            assertArrayEquals(x.data().asDouble(), splitCopy.data().asDouble(), 0.0, type + " copy");
            assertArrayEquals(wholeDoubles, splitDoubles, 0.0, type + " toDoubles");
            assertEquals(wholeSum, splitSum, (type == DataType.DOUBLE ? REL_TOL_64 : REL_TOL_32) * wholeSum,
                    type + " sum of squares");
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

    private static void assertClose(INDArray expected, INDArray actual, DataType type, String what) {
        double[] e = expected.data().asDouble();
        double[] a = actual.data().asDouble();
        double scale = 0;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        double tol = (type == DataType.DOUBLE ? REL_TOL_64 : REL_TOL_32) * scale;
        assertArrayEquals(e, a, tol, what);
    }
}
