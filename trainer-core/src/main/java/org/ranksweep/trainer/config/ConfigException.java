package org.ranksweep.trainer.config;

/**
 * A run setting (or a grid entry) was refused. The message always names the field path, the rule
 * and the value, e.g. {@code sigma: must be >= 0, was -0.1}.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public ConfigException(String field, String rule, Object value) {
        super(field + ": " + rule + ", was " + render(value));
        this.field = field;
    }

    /** The dotted field path that was refused (e.g. {@code data.x}). */
    public String field() {
        return field;
    }

    private static String render(Object value) {
        if (value instanceof String) {
            return "'" + value + "'";
        }
        if (value instanceof int[]) {
            return java.util.Arrays.toString((int[]) value);
        }
        return String.valueOf(value);
    }
}
