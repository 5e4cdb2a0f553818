package org.ranksweep.sweep.grid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.linalg.Tolerance;

/**
 * Reads a grid file (YAML, through Jackson's SnakeYAML-backed parser, which builds plain maps, lists
 * and scalars only). Every refusal is a {@link GridException} naming the path in the file and the
 * value, e.g. {@code grid.sigma[2]: must be >= 0, was -0.1}, and comes before any run is built.
 *
 * <pre>
 * name: paper-figure-1
 * data: {kind: synthetic, samples: 1000, seed: 7}          # or {kind: file, x: X.npy, y: Y.npy}
 * train: {epochs: 50, learningRate: 0.05, loss: sum, checkpointEvery: 1, precision: float64}
 * init: {scheme: balanced-low-rank, rank: 10, scale: 0.1}
 * rank: {tolerances: [numpy, rel:1e-6, rel:1e-3], primary: rel:1e-3}
 * grid:
 *   architecture: ["1000-500-250:linear", "1000-500-250:sigmoid"]
 *   noise: [none, gradient]
 *   sigma: [0.001, 0.01]
 *   seed: {from: 0, count: 10}
 * </pre>
 */
public final class GridParser {
    private static final Set<String> TOP = Set.of("name", "data", "train", "init", "rank", "grid");
    private static final Set<String> DATA = Set.of("kind", "inputs", "outputs", "samples", "seed", "teacherNoise", "x", "y",
            "path");
    private static final Set<String> TRAIN = Set.of("epochs", "learningRate", "loss", "checkpointEvery", "precision",
            "divergenceFactor", "batchSize", "jinGradThreshold", "jinInterval");
    private static final Set<String> INIT = Set.of("scheme", "rank", "scale");
    private static final Set<String> RANK = Set.of("tolerances", "primary");

    private GridParser() {
    }

    /** Parses and validates the grid file at {@code file} (relative data paths resolve beside it). */
    public static Grid parse(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new GridException("grid file", "not found", file.toString());
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new GridException("grid file", "could not be read (" + e.getMessage() + ")", file.toString());
        }
    }

    public static Grid parse(InputStream in, Path baseDir) throws IOException {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(in);
        } catch (IOException e) {
            throw new GridException("grid file", "is not valid YAML (" + firstLine(e.getMessage()) + ")", "");
        }
        if (root == null || !root.isObject()) {
            throw new GridException("grid file", "must be a mapping with name, grid and settings", "");
        }
        checkKeys(root, "", TOP);
        JsonNode nameNode = root.get("name");
        if (nameNode == null || !nameNode.isTextual() || nameNode.asText().isBlank()) {
            throw new GridException("name", "is required: a name for the sweep", nameNode == null ? null : nameNode.toString());
        }
        String name = nameNode.asText().trim();
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new GridException("name", "may hold only letters, digits, '.', '_' and '-'", name);
        }

        Map<Setting, Object> fixed = new EnumMap<>(Setting.class);
        Map<Setting, String> fixedPaths = new EnumMap<>(Setting.class);
        JsonNode data = section(root, "data", DATA);
        JsonNode train = section(root, "train", TRAIN);
        JsonNode init = section(root, "init", INIT);
        JsonNode rank = section(root, "rank", RANK);
        for (Setting s : Setting.values()) {
            if (s.home == null) {
                continue;
            }
            String[] parts = s.home.split("\\.");
            JsonNode sec = parts[0].equals("data") ? data : parts[0].equals("train") ? train : init;
            JsonNode v = sec == null ? null : sec.get(parts[1]);
            if (v != null && !v.isNull()) {
                fixed.put(s, s.check(s.home, scalar(s.home, v)));
                fixedPaths.put(s, s.home);
            }
        }

        String kindText = data != null && data.has("kind") ? data.get("kind").asText() : "synthetic";
        DataSpec.Kind kind;
        if (kindText.equals("synthetic")) {
            kind = DataSpec.Kind.SYNTHETIC;
        } else if (kindText.equals("file")) {
            kind = DataSpec.Kind.FILE;
        } else if (kindText.equals("parquet")) {
            kind = DataSpec.Kind.PROVIDED;
        } else {
            throw new GridException("data.kind", "must be synthetic, file or parquet", kindText);
        }
        int inputs = optionalInt(data, "inputs");
        int outputs = optionalInt(data, "outputs");
        String x = null;
        String y = null;
        String fingerprint = null;
        ParquetSource parquet = null;
        if (kind != DataSpec.Kind.SYNTHETIC) {
            for (String k : new String[] {"samples", "seed", "teacherNoise"}) {
                if (data.has(k)) {
                    throw new GridException("data." + k, "applies to synthetic data only", data.get(k).asText());
                }
            }
        }
        if (kind == DataSpec.Kind.PROVIDED) {
            if (!data.has("path")) {
                throw new GridException("data.path", "is required for data.kind: parquet", null);
            }
            String raw = data.get("path").asText();
            Path p = Path.of(raw);
            if (!p.isAbsolute() && baseDir != null) {
                p = baseDir.resolve(p);
            }
            if (!Files.exists(p)) {
                throw new GridException("data.path", "file not found", raw);
            }
            parquet = ParquetSource.check(p, columnList(data, "x"), columnList(data, "y"));
            try {
                fingerprint = digest(ParquetSource.files(p).toArray(new Path[0]));
            } catch (IOException e) {
                throw new GridException("data.path", "could not be read (" + e.getMessage() + ")", raw);
            }
        } else if (kind == DataSpec.Kind.FILE) {
            for (String k : new String[] {"samples", "seed", "teacherNoise"}) {
                if (data.has(k)) {
                    throw new GridException("data." + k, "applies to synthetic data only", data.get(k).asText());
                }
            }
            x = dataFile(data, "x", baseDir);
            y = dataFile(data, "y", baseDir);
            fingerprint = digest(Path.of(x), Path.of(y));
        } else {
            for (String k : new String[] {"x", "y", "path"}) {
                if (data != null && data.has(k)) {
                    throw new GridException("data." + k, "applies to data.kind: file or parquet only", data.get(k).asText());
                }
            }
        }

        String[] tolerances = {"numpy", "rel:1e-6", "rel:1e-3"};
        String primary = "rel:1e-3";
        if (rank != null && rank.has("tolerances")) {
            JsonNode t = rank.get("tolerances");
            if (!t.isArray() || t.isEmpty()) {
                throw new GridException("rank.tolerances", "must be a non-empty list", t.toString());
            }
            tolerances = new String[t.size()];
            for (int i = 0; i < t.size(); i++) {
                tolerances[i] = Tolerance.parse("rank.tolerances[" + i + "]", t.get(i).asText()).toString();
            }
        }
        if (rank != null && rank.has("primary")) {
            primary = Tolerance.parse("rank.primary", rank.get("primary").asText()).toString();
        }

        JsonNode grid = root.get("grid");
        if (grid == null || !grid.isObject() || grid.isEmpty()) {
            throw new GridException("grid", "must map at least one setting (architecture is required) to its values",
                    grid == null ? null : grid.toString());
        }
        List<Axis> axes = new ArrayList<>();
        Set<String> allowed = new LinkedHashSet<>();
        for (Setting s : Setting.values()) {
            allowed.add(s.key);
        }
        for (Iterator<String> it = grid.fieldNames(); it.hasNext();) {
            String key = it.next();
            Setting s = Setting.byKey(key);
            if (s == null) {
                throw new GridException("grid." + key, "unknown setting (known: " + String.join(", ", allowed) + ")", key);
            }
            if (fixed.containsKey(s)) {
                throw new GridException("grid." + key, "is also fixed at " + s.home + "; keep one", key);
            }
            axes.add(axis(s, "grid." + key, grid.get(key)));
        }
        boolean hasArchitecture = axes.stream().anyMatch(a -> a.setting == Setting.ARCHITECTURE);
        if (!hasArchitecture) {
            throw new GridException("grid.architecture", "is required, e.g. [\"1000-500-250:linear\"]", null);
        }
        Grid g = new Grid(name, fixed, fixedPaths, axes, kind, inputs, outputs, x, y, tolerances, primary, fingerprint,
                parquet);
        g.validateCombinations();
        return g;
    }

    private static Axis axis(Setting s, String path, JsonNode node) {
        if (node.isObject()) {
            if (s != Setting.SEED && s != Setting.DATA_SEED) {
                throw new GridException(path, "must be a value or a list of values", node.toString());
            }
            checkKeys(node, path + ".", Set.of("from", "count"));
            long from = ((Long) s.check(path + ".from", scalar(path + ".from", require(node, path, "from")))).longValue();
            Object countRaw = scalar(path + ".count", require(node, path, "count"));
            if (!(countRaw instanceof Integer || countRaw instanceof Long) || ((Number) countRaw).longValue() < 1) {
                throw new GridException(path + ".count", "must be a whole number >= 1", countRaw);
            }
            return new Axis(s, path, from, ((Number) countRaw).longValue());
        }
        List<Object> values = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        Set<Object> seen = new HashSet<>();
        if (node.isArray()) {
            if (node.isEmpty()) {
                throw new GridException(path, "must list at least one value", "[]");
            }
            for (int i = 0; i < node.size(); i++) {
                String p = path + "[" + i + "]";
                Object v = s.check(p, scalar(p, node.get(i)));
                if (seen.add(v)) {
                    values.add(v);
                    paths.add(p);
                }
            }
        } else {
            values.add(s.check(path, scalar(path, node)));
            paths.add(path);
        }
        return new Axis(s, path, values, paths);
    }

    /** A Parquet column name or a list of them. */
    private static String[] columnList(JsonNode data, String key) {
        JsonNode v = data.get(key);
        if (v == null) {
            throw new GridException("data." + key, "is required for data.kind: parquet (a column or a list of columns)", null);
        }
        if (v.isTextual()) {
            return new String[] {v.asText()};
        }
        if (v.isArray() && !v.isEmpty()) {
            String[] out = new String[v.size()];
            for (int i = 0; i < out.length; i++) {
                if (!v.get(i).isTextual()) {
                    throw new GridException("data." + key + "[" + i + "]", "must be a column name", v.get(i).toString());
                }
                out[i] = v.get(i).asText();
            }
            return out;
        }
        throw new GridException("data." + key, "must be a column name or a non-empty list of them", v.toString());
    }

    private static JsonNode require(JsonNode node, String path, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            throw new GridException(path + "." + key, "is required", null);
        }
        return v;
    }

    /** A YAML scalar as String, Integer, Long or Double. */
    private static Object scalar(String path, JsonNode v) {
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isInt()) {
            return v.intValue();
        }
        if (v.isLong() || v.isBigInteger()) {
            return v.longValue();
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        throw new GridException(path, "must be a single value", v.toString());
    }

    private static JsonNode section(JsonNode root, String name, Set<String> keys) {
        JsonNode s = root.get(name);
        if (s == null || s.isNull()) {
            return null;
        }
        if (!s.isObject()) {
            throw new GridException(name, "must be a mapping", s.toString());
        }
        checkKeys(s, name + ".", keys);
        return s;
    }

    private static void checkKeys(JsonNode node, String prefix, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new GridException(prefix + k, "unknown key (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")", k);
            }
        }
    }

    private static int optionalInt(JsonNode data, String key) {
        if (data == null || !data.has(key)) {
            return 0;
        }
        JsonNode v = data.get(key);
        if (!v.isInt() || v.intValue() < 1) {
            throw new GridException("data." + key, "must be a whole number >= 1", v.toString());
        }
        return v.intValue();
    }

    private static String dataFile(JsonNode data, String key, Path baseDir) {
        if (!data.has(key)) {
            throw new GridException("data." + key, "is required for data.kind: file", null);
        }
        String raw = data.get(key).asText();
        Path p = Path.of(raw);
        if (!p.isAbsolute() && baseDir != null) {
            p = baseDir.resolve(p);
        }
        if (!Files.isRegularFile(p)) {
            throw new GridException("data." + key, "file not found", raw);
        }
        return p.toAbsolutePath().normalize().toString();
    }

    /** SHA-256 of the data files' bytes: config ids follow the data, not where they are kept. */
    private static String digest(Path... files) {
        try {
            MessageDigest md = ConfigId.sha256();
            for (Path f : files) {
                md.update(Files.readAllBytes(f));
                md.update((byte) 0);
            }
            return ConfigId.hex(md.digest());
        } catch (IOException e) {
            throw new GridException("data", "could not be read (" + e.getMessage() + ")", "");
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
