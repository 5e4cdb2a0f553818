package org.ranksweep.trainer.data;

import java.util.Random;

/**
 * Synthetic regression data meant to meet Yun et al. (2018)'s assumptions (checked per run by
 * {@link DataAnalysis}, never assumed).
 *
 * <p>Law, with every Gaussian drawn in this order from {@code java.util.Random(seed)} (whose
 * {@code nextGaussian} is specified, so the data are the same on every JVM):
 * <pre>
 *   X[i][j] ~ N(0, 1/m)                               (d_x x m; columns of norm about sqrt(d_x/m))
 *   T[k][i] ~ N(0, 1/d_x)                             (teacher, d_y x d_x)
 *   Y = T X + teacherNoise * N,  N[k][j] ~ N(0, 1/m)  (d_y x m)
 * </pre>
 * Y is computed in plain Java with a fixed summation order, so the data are bit-identical whatever
 * BLAS the machine has. The label noise makes YX^T(XX^T)^-1 X have distinct singular values with probability one.
 */
public final class SyntheticData {
    private SyntheticData() {
    }

    public static Dataset generate(int inputs, int outputs, int samples, long seed, double teacherNoise) {
        Random rnd = new Random(seed);
        double sx = 1.0 / Math.sqrt(samples);
        double[] x = new double[inputs * samples];
        for (int i = 0; i < x.length; i++) {
            x[i] = sx * rnd.nextGaussian();
        }
        double st = 1.0 / Math.sqrt(inputs);
        double[] t = new double[outputs * inputs];
        for (int i = 0; i < t.length; i++) {
            t[i] = st * rnd.nextGaussian();
        }
        double[] y = new double[outputs * samples];
        // Y = T X, y[:, j] = sum_i T[:, i] x[i, j], in plain Java with a fixed summation order so that
        // the data do not depend on which BLAS the machine has.
        for (int j = 0; j < samples; j++) {
            int yj = j * outputs;
            int xj = j * inputs;
            for (int i = 0; i < inputs; i++) {
                double xij = x[xj + i];
                int ti = i * outputs;
                for (int k = 0; k < outputs; k++) {
                    y[yj + k] += t[ti + k] * xij;
                }
            }
        }
        double sn = teacherNoise * sx;
        for (int i = 0; i < y.length; i++) {
            y[i] += sn * rnd.nextGaussian();
        }
        return new Dataset(x, y, inputs, outputs, samples);
    }

    public static Dataset generate(DataSpec spec) {
        return generate(spec.inputs, spec.outputs, spec.samples, spec.seed, spec.teacherNoise);
    }
}
