package org.ranksweep.trainer.config;

/** {@code sum}: 1/2 ||f(X) - Y||_F^2, as in the study. {@code mean}: the same divided by the number of samples m. */
public enum LossKind {
    SUM, MEAN;

    public static LossKind parse(String field, String value) {
        return Names.parse(LossKind.class, field, value);
    }

    @Override
    public String toString() {
        return Names.external(this);
    }
}
