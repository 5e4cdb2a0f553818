package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ranksweep.trainer.TestMatrices;

class TransposeTest {
    @Test
    void everyEntryMovesAcrossAndBetweenBlocks() {
        Random rnd = new Random(11);
        for (int[] shape : new int[][] {{1, 1}, {3, 5}, {Transpose.BLOCK, Transpose.BLOCK}, {37, 70}, {70, 37}}) {
            int rows = shape[0];
            int cols = shape[1];
            double[] a = TestMatrices.gaussian(rnd, rows * cols, 1);
            assertArrayEquals(TestMatrices.transpose(a, rows, cols), Transpose.of(a, rows, cols), 0.0, rows + "x" + cols);
        }
    }

    @Test
    void intoLeavesTheRestOfALongerArray() {
        double[] a = {1, 2, 3, 4, 5, 6}; // 2 x 3: columns (1, 2), (3, 4), (5, 6)
        double[] t = new double[8];
        java.util.Arrays.fill(t, -1);
        Transpose.into(a, 2, 3, t);
        assertArrayEquals(new double[] {1, 3, 5, 2, 4, 6, -1, -1}, t, 0.0);
    }
}
