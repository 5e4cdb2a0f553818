package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ranksweep.trainer.config.Activation;

/** The element-wise kernels against the textbook formulas and the JDK's fdlibm tanh. */
class KernelsTest {
    /** The fast tanh stays this many ulps from StrictMath.tanh. */
    private static final double TANH_ULPS = 4;
    /** float32 kernels agree with the double formula rounded to float to this relative error. */
    private static final double FLOAT_REL = 1e-6;

    @Test
    void tanhMatchesFdlibmAcrossTheRange() {
        Random r = new Random(1);
        double worst = 0;
        for (int i = 0; i < 2_000_000; i++) {
            // log-uniform magnitudes from 1e-12 to 40, both signs
            double x = Math.copySign(Math.pow(10, -12 + 13.6 * r.nextDouble()), r.nextBoolean() ? 1 : -1);
            worst = Math.max(worst, ulps(Kernels.tanh(x), StrictMath.tanh(x)));
        }
        double[] edges = {0.0, Kernels.TANH_SERIES_BELOW, Math.nextDown(Kernels.TANH_SERIES_BELOW), 1e-300, 0.5, 1,
            19, 22, Math.nextUp(22.0), 700, 1e300, Double.MIN_VALUE};
        for (double e : edges) {
            for (double x : new double[] {e, -e}) {
                worst = Math.max(worst, ulps(Kernels.tanh(x), StrictMath.tanh(x)));
            }
        }
        assertTrue(worst <= TANH_ULPS, "worst error " + worst + " ulps");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(Kernels.tanh(-0.0)));
        assertEquals(1.0, Kernels.tanh(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Kernels.tanh(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Kernels.tanh(Double.NaN)));
    }

    private static double ulps(double a, double b) {
        return a == b ? 0 : Math.abs(a - b) / Math.ulp(b);
    }

    private static double phi(Activation a, double z) {
        switch (a) {
            case SIGMOID:
                return 1 / (1 + StrictMath.exp(-z));
            case TANH:
                return StrictMath.tanh(z);
            case RELU:
                return Math.max(0, z);
            default:
                return z;
        }
    }

    private static double dphi(Activation a, double z) {
        switch (a) {
            case SIGMOID:
                return phi(a, z) * (1 - phi(a, z));
            case TANH:
                return 1 - phi(a, z) * phi(a, z);
            case RELU:
                return z > 0 ? 1 : 0;
            default:
                return 1;
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationsAndDerivativesFollowTheirFormulas(Activation a) {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            double[] z = new Random(7).doubles(7 * 13, -6, 6).toArray();
            double[] d = new Random(8).doubles(z.length, -1, 1).toArray();
            INDArray za = Network.matrix(z, 7, 13, type);
            INDArray da = Network.matrix(d, 7, 13, type);
            Kernels.activate(a, za);
            Kernels.multiplyDerivative(a, za, da);
            double[] act = za.data().asDouble();
            double[] grad = da.data().asDouble();
            double tol = type == DataType.DOUBLE ? 1e-15 : FLOAT_REL;
            for (int i = 0; i < z.length; i++) {
                double zi = type == DataType.DOUBLE ? z[i] : (float) z[i];
                double di = type == DataType.DOUBLE ? d[i] : (float) d[i];
                assertEquals(phi(a, zi), act[i], tol * Math.max(1, Math.abs(phi(a, zi))), a + " " + type + " at " + i);
                assertEquals(di * dphi(a, zi), grad[i], 4 * tol, a + "' " + type + " at " + i);
            }
            za.close();
            da.close();
        }
    }

    @Test
    void gatherSamplesPutsTheNamedSamplesInRowsInOrder() {
        // 5 features x 9 samples, column-major as data is stored: entry (feature f, sample s) = 10 s + f
        double[] x = new double[5 * 9];
        for (int s = 0; s < 9; s++) {
            for (int f = 0; f < 5; f++) {
                x[s * 5 + f] = 10 * s + f;
            }
        }
        int[] idx = {8, 0, 3, 3};
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray out = Nd4j.create(type, new long[] {4, 5}, 'f');
            Kernels.gatherSamples(x, 5, idx, out);
            for (int k = 0; k < idx.length; k++) {
                for (int f = 0; f < 5; f++) {
                    assertEquals(10 * idx[k] + f, out.getDouble(k, f), 0.0, type + " row " + k + ", feature " + f);
                }
            }
            out.close();
        }
    }

    @Test
    void multiplyAndScaleAreElementWise() {
        INDArray a = Network.matrix(new double[] {1, 2, 3, 4}, 2, 2, DataType.DOUBLE);
        INDArray b = Network.matrix(new double[] {-1, 0.5, 2, 0}, 2, 2, DataType.DOUBLE);
        INDArray o = Nd4j.create(DataType.DOUBLE, new long[] {2, 2}, 'f');
        Kernels.multiply(a, b, o);
        assertArrayEquals(new double[] {-1, 1, 6, 0}, o.data().asDouble(), 0.0);
        Kernels.scale(o, -0.5);
        assertArrayEquals(new double[] {0.5, -0.5, -3, -0.0}, o.data().asDouble(), 0.0);
    }

    @Test
    void float32ArraysWidenExactlyAcrossCopyChunks() {
        int[][] shapes = {{3, 5}, {Gemm.FLOAT_CHUNK_LENGTH / 64, 64}, {7, 3 * Gemm.FLOAT_CHUNK_LENGTH / 7 + 5}};
        Random r = new Random(3);
        for (int[] s : shapes) {
            int n = s[0] * s[1];
            float[] f = new float[n];
            for (int k = 0; k < n; k++) {
                f[k] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
            }
            INDArray x = Nd4j.create(DataType.FLOAT, new long[] {s[0], s[1]}, 'f');
            ((org.bytedeco.javacpp.FloatPointer) x.data().addressPointer()).put(f, 0, n);
            double[] reused = new double[n];
            java.util.Arrays.fill(reused, Double.NaN);
            double[] got = Gemm.toDoubles(x, reused);
            assertTrue(got == reused, "the given array is filled");
            for (int k = 0; k < n; k++) {
                assertEquals((double) f[k], got[k], 0.0, "entry " + k + " of " + n);
            }
            double[] fresh = Gemm.toDoubles(x);
            assertArrayEquals(got, fresh, 0.0);
            // the same through ND4J's own conversion (column-major order, as the buffer is)
            assertArrayEquals(x.data().asDouble(), fresh, 0.0);
        }
    }
}
