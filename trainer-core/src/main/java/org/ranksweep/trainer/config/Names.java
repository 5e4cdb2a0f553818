package org.ranksweep.trainer.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enum constants spelt as users write them: {@code GAUSSIAN_DROPOUT <-> gaussian-dropout}. */
final class Names {
    private Names() {
    }

    static String external(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static <E extends Enum<E>> E parse(Class<E> type, String field, String value) {
        if (value != null) {
            String key = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(key)) {
                    return e;
                }
            }
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(Names::external)
                .collect(Collectors.joining(", "));
        throw new ConfigException(field, "must be one of " + allowed, value);
    }
}
