package org.ranksweep.trainer.linalg;

/** Transposes of column-major {@code double[]} matrices, by blocks that stay in a core's L1 cache. */
public final class Transpose {
    /** Side of the blocks copied at a time: two 32 x 32 tiles of doubles, 8 KB each. */
    public static final int BLOCK = 32;

    private Transpose() {
    }

    /** The cols x rows transpose of the rows x cols column-major {@code a}, into t's first rows*cols entries. */
    public static void into(double[] a, int rows, int cols, double[] t) {
        for (int j0 = 0; j0 < cols; j0 += BLOCK) {
            int j1 = Math.min(cols, j0 + BLOCK);
            for (int i0 = 0; i0 < rows; i0 += BLOCK) {
                int i1 = Math.min(rows, i0 + BLOCK);
                for (int j = j0; j < j1; j++) {
                    for (int i = i0; i < i1; i++) {
                        t[i * cols + j] = a[j * rows + i];
                    }
                }
            }
        }
    }

    /** The cols x rows transpose of the rows x cols column-major {@code a}, as a new array. */
    public static double[] of(double[] a, int rows, int cols) {
        double[] t = new double[rows * cols];
        into(a, rows, cols, t);
        return t;
    }
}
