package org.ranksweep.trainer.config;

/**
 * A run setting (or a grid entry) was refused. The message always names the field path, the rule
 * and the value, e.g. {@code sigma: must be >= 0, was -0.1}.
 */
public class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final String rule;
    private final transient Object value;

    public ConfigException(String field, String rule, Object value) {
        this(field, rule, value, "");
    }

    /** As above, with {@code context} (e.g. " (with grid.architecture[1])") after the value. */
    protected ConfigException(String field, String rule, Object value, String context) {
        super(field + ": " + rule + ", was " + render(value) + context);
        this.field = field;
        this.rule = rule;
        this.value = value;
    }

    /** The rule that was broken, e.g. {@code must be >= 0}. */
    public String rule() {
        return rule;
    }

    /** The refused value. */
    public Object value() {
        return value;
    }

    /** The dotted field path that was refused (e.g. {@code data.x}). */
    public String field() {
        return field;
    }

    /** The value as messages show it: strings quoted, arrays listed. */
    public static String render(Object value) {
        if (value instanceof String) {
            return "'" + value + "'";
        }
        if (value instanceof int[]) {
            return java.util.Arrays.toString((int[]) value);
        }
        return String.valueOf(value);
    }
}
