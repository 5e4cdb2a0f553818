package org.ranksweep.trainer.config;

/** Elementwise activation of a layer. */
public enum Activation {
    LINEAR, SIGMOID, TANH, RELU;

    public static Activation parse(String field, String value) {
        return Names.parse(Activation.class, field, value);
    }

    @Override
    public String toString() {
        return Names.external(this);
    }
}
