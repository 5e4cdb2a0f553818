package org.ranksweep.sweep.spark;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import org.ranksweep.sweep.grid.Grid;
import org.ranksweep.sweep.grid.GridParser;

/**
 * A grid as it is shipped to executors: its YAML text and the folder its relative data paths resolve
 * against. Executors parse it once per JVM (the parse is cheap and needs no Kryo support for the
 * parsed form).
 */
public final class GridSource implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ConcurrentHashMap<String, Grid> PARSED = new ConcurrentHashMap<>();

    public final String yaml;
    public final String baseDir;

    public GridSource(String yaml, String baseDir) {
        this.yaml = yaml;
        this.baseDir = baseDir;
    }

    public Grid grid() {
        return PARSED.computeIfAbsent(baseDir + "\n" + yaml, k -> {
            try {
                return GridParser.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)),
                        baseDir == null ? null : Path.of(baseDir));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
