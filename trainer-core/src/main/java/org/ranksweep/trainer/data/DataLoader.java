package org.ranksweep.trainer.data;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ranksweep.trainer.config.ConfigException;

/**
 * Turns a {@link DataSpec} into a {@link Dataset}. Files hold one sample per row: {@code .npy} (2-D,
 * float64 or float32) or {@code .csv} (numbers separated by commas, an optional header line).
 *
 * <p>The last few datasets are kept in memory, so the many runs of a sweep that share one dataset on
 * an executor build or read it once.
 */
public final class DataLoader {
    private static final int CACHE_SIZE = 2;
    private static final Map<DataSpec, Dataset> CACHE = new LinkedHashMap<>(4, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<DataSpec, Dataset> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    private DataLoader() {
    }

    /** The dataset of {@code spec}; throws {@link ConfigException} naming {@code data.x}/{@code data.y} for bad files. */
    public static Dataset load(DataSpec spec) {
        synchronized (CACHE) {
            Dataset hit = CACHE.get(spec);
            if (hit != null) {
                return hit;
            }
        }
        if (spec.kind == DataSpec.Kind.PROVIDED) {
            throw new ConfigException("data", "is provided by the caller (" + spec.xPath + "); pass the dataset to the trainer",
                    spec.toString());
        }
        Dataset ds = spec.kind == DataSpec.Kind.SYNTHETIC ? SyntheticData.generate(spec) : readFiles(spec);
        synchronized (CACHE) {
            CACHE.put(spec, ds);
        }
        return ds;
    }

    private static Dataset readFiles(DataSpec spec) {
        Npy.Array2 x = readMatrix("data.x", spec.xPath);
        Npy.Array2 y = readMatrix("data.y", spec.yPath);
        if (x.rows != y.rows) {
            throw new ConfigException("data.y", "must have one row per sample of data.x (" + x.rows + " rows)",
                    spec.yPath + " with " + y.rows + " rows");
        }
        // Row-major (m, d) is column-major d x m: no copy needed.
        return new Dataset(x.data, y.data, x.cols, y.cols, x.rows);
    }

    /** Reads a 2-D matrix, one sample per row, from {@code .npy} or {@code .csv}. */
    public static Npy.Array2 readMatrix(String field, String path) {
        if (path == null || path.isBlank()) {
            throw new ConfigException(field, "a file path is required", path);
        }
        Path p = Paths.get(path);
        if (!Files.isRegularFile(p)) {
            throw new ConfigException(field, "file not found", path);
        }
        String lower = path.toLowerCase(Locale.ROOT);
        try {
            if (lower.endsWith(".npy")) {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(p))) {
                    return Npy.read(in, path);
                }
            }
            if (lower.endsWith(".csv")) {
                return readCsv(field, p);
            }
        } catch (IOException e) {
            throw new ConfigException(field, "could not be read (" + e.getMessage() + ")", path);
        }
        throw new ConfigException(field, "must be a .npy or .csv file", path);
    }

    private static Npy.Array2 readCsv(String field, Path p) throws IOException {
        List<double[]> rows = new ArrayList<>();
        int cols = -1;
        int lineNo = 0;
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                double[] row = new double[cells.length];
                boolean numeric = true;
                for (int i = 0; i < cells.length; i++) {
                    try {
                        row[i] = Double.parseDouble(cells[i].trim());
                    } catch (NumberFormatException e) {
                        numeric = false;
                        if (rows.isEmpty() && lineNo == 1) {
                            break; // a header line
                        }
                        throw new ConfigException(field, "line " + lineNo + ", column " + (i + 1)
                                + " is not a number ('" + cells[i].trim() + "')", p.toString());
                    }
                }
                if (!numeric) {
                    continue;
                }
                if (cols < 0) {
                    cols = row.length;
                } else if (row.length != cols) {
                    throw new ConfigException(field, "line " + lineNo + " has " + row.length
                            + " columns, earlier lines have " + cols, p.toString());
                }
                rows.add(row);
            }
        }
        if (rows.isEmpty()) {
            throw new ConfigException(field, "has no data rows", p.toString());
        }
        double[] data = new double[rows.size() * cols];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, data, i * cols, cols);
        }
        return new Npy.Array2(data, rows.size(), cols);
    }
}
