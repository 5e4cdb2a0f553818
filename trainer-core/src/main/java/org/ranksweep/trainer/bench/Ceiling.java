package org.ranksweep.trainer.bench;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ranksweep.trainer.linalg.NativeLinalg;

/** The machine's GEMM rate, measured in this process through the libraries the trainer uses. */
public final class Ceiling {
    private Ceiling() {
    }

    /** GFLOP/s of an n x n x n GEMM through ND4J ({@code Nd4j.gemm} into a preallocated f-order array). */
    public static double nd4jGemm(int n, DataType type, double seconds) {
        INDArray a = Nd4j.create(type, new long[] {n, n}, 'f').assign(1.0 / 3);
        INDArray b = Nd4j.create(type, new long[] {n, n}, 'f').assign(2.0 / 7);
        INDArray c = Nd4j.create(type, new long[] {n, n}, 'f');
        try {
            for (int i = 0; i < 3; i++) {
                Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            }
            long reps = 0;
            long t0 = System.nanoTime();
            long deadline = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < deadline || reps < 3) {
                Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
                reps++;
            }
            return 2.0 * n * n * n * reps / ((System.nanoTime() - t0) * 1e-9) / 1e9;
        } finally {
            a.close();
            b.close();
            c.close();
        }
    }

    /** GFLOP/s of an n x n x n dgemm through netlib-java (the library behind the SVDs). */
    public static double netlibDgemm(int n, double seconds) {
        Random r = new Random(1);
        double[] a = new double[n * n];
        double[] b = new double[n * n];
        double[] c = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextDouble();
            b[i] = r.nextDouble();
        }
        dev.ludovic.netlib.blas.BLAS blas = NativeLinalg.blas();
        for (int i = 0; i < 3; i++) {
            blas.dgemm("N", "N", n, n, n, 1.0, a, n, b, n, 0.0, c, n);
        }
        long reps = 0;
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline || reps < 3) {
            blas.dgemm("N", "N", n, n, n, 1.0, a, n, b, n, 0.0, c, n);
            reps++;
        }
        return 2.0 * n * n * n * reps / ((System.nanoTime() - t0) * 1e-9) / 1e9;
    }
}
