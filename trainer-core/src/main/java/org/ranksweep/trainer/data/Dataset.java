package org.ranksweep.trainer.data;

import java.io.Serializable;

/**
 * X (d_x x m) and Y (d_y x m), column-major: sample j is column j, so {@code x[j*dx .. j*dx+dx)} are
 * its inputs. This is also the memory layout of a C-ordered numpy array of shape (m, d_x), one sample
 * per row.
 */
public final class Dataset implements Serializable {
    private static final long serialVersionUID = 1L;

    public final double[] x;
    public final double[] y;
    public final int inputs;
    public final int outputs;
    public final int samples;

    public Dataset(double[] x, double[] y, int inputs, int outputs, int samples) {
        if (x.length != (long) inputs * samples) {
            throw new IllegalArgumentException("X has " + x.length + " values, expected " + inputs + "x" + samples);
        }
        if (y.length != (long) outputs * samples) {
            throw new IllegalArgumentException("Y has " + y.length + " values, expected " + outputs + "x" + samples);
        }
        this.x = x;
        this.y = y;
        this.inputs = inputs;
        this.outputs = outputs;
        this.samples = samples;
    }
}
