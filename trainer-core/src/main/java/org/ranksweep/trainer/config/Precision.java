package org.ranksweep.trainer.config;

/** Floating-point type of weights, data and arithmetic during training. */
public enum Precision {
    FLOAT64(0x1p-52), FLOAT32(0x1p-23);

    /** Machine epsilon of the type, as numpy's {@code finfo(dtype).eps}. */
    public final double eps;

    Precision(double eps) {
        this.eps = eps;
    }

    public static Precision parse(String field, String value) {
        return Names.parse(Precision.class, field, value);
    }

    @Override
    public String toString() {
        return Names.external(this);
    }
}
