package org.ranksweep.sweep.grid;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * X and Y stored as Parquet ({@code data: {kind: parquet, path: d.parquet, x: [x0, x1, ...], y: [y0]}}, or
 * one array column each: {@code x: features}). One sample per row. Checked from the files' footers when
 * the grid is parsed (columns exist and are numeric, row count); the values are read by Spark on the
 * driver and broadcast to the executors.
 */
public final class ParquetSource implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String path;
    public final String[] x;
    public final String[] y;
    public final int samples;
    /** Number of X columns when they are scalar columns; 0 for an array column (known once read). */
    public final int inputs;
    /** As {@link #inputs}, for Y. */
    public final int outputs;

    private ParquetSource(String path, String[] x, String[] y, int samples, int inputs, int outputs) {
        this.path = path;
        this.x = x;
        this.y = y;
        this.samples = samples;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /** The Parquet files of {@code root} (a file, or a folder of part files), in a fixed order. */
    static List<Path> files(Path root) throws IOException {
        if (Files.isRegularFile(root)) {
            return List.of(root);
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .filter(p -> root.relativize(p).toString().chars().noneMatch(c -> c == '_'))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    static ParquetSource check(Path root, String[] x, String[] y) {
        List<Path> files;
        try {
            files = files(root);
        } catch (IOException e) {
            throw new GridException("data.path", "could not be listed (" + e.getMessage() + ")", root.toString());
        }
        if (files.isEmpty()) {
            throw new GridException("data.path", "holds no .parquet files", root.toString());
        }
        long rows = 0;
        MessageType schema = null;
        for (Path f : files) {
            try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
                    new org.apache.hadoop.fs.Path(f.toUri()), new Configuration()))) {
                rows += r.getRecordCount();
                schema = r.getFooter().getFileMetaData().getSchema();
            } catch (IOException | RuntimeException e) {
                throw new GridException("data.path", "is not readable Parquet (" + e.getMessage() + ")", f.toString());
            }
        }
        if (rows < 1 || rows > Integer.MAX_VALUE) {
            throw new GridException("data.path", "must hold between 1 and " + Integer.MAX_VALUE + " rows", rows);
        }
        int inputs = columns("data.x", schema, x);
        int outputs = columns("data.y", schema, y);
        return new ParquetSource(root.toAbsolutePath().normalize().toString(), x, y, (int) rows, inputs, outputs);
    }

    /** The number of scalar columns named, or 0 for a single array column; refuses anything else. */
    private static int columns(String field, MessageType schema, String[] names) {
        List<String> arrays = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            String n = names[i];
            String p = names.length == 1 ? field : field + "[" + i + "]";
            if (!schema.containsField(n)) {
                throw new GridException(p, "is not a column of the Parquet data (columns: "
                        + schema.getFields().stream().map(Type::getName).collect(Collectors.joining(", ")) + ")", n);
            }
            Type t = schema.getType(n);
            if (t.isPrimitive()) {
                PrimitiveType.PrimitiveTypeName pt = t.asPrimitiveType().getPrimitiveTypeName();
                if (pt != PrimitiveType.PrimitiveTypeName.DOUBLE && pt != PrimitiveType.PrimitiveTypeName.FLOAT
                        && pt != PrimitiveType.PrimitiveTypeName.INT32 && pt != PrimitiveType.PrimitiveTypeName.INT64) {
                    throw new GridException(p, "must be a numeric column, is " + pt, n);
                }
            } else {
                arrays.add(n);
            }
        }
        if (arrays.isEmpty()) {
            return names.length;
        }
        if (names.length != 1) {
            throw new GridException(field, "must be scalar numeric columns, or one array column", String.join(", ", names));
        }
        return 0;
    }
}
