package org.ranksweep.sweep.grid;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ranksweep.trainer.config.ConfigException;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataSpec;

/**
 * A parsed, validated grid: fixed settings and axes, and the runs they expand to.
 *
 * <p>The runs are enumerated without being stored: for each noise type and init scheme (in file order)
 * the settings that apply to them (see {@link Setting#appliesTo}) are crossed, the last axis varying
 * fastest; settings that do not apply are left out instead of multiplying identical runs. Run
 * {@code i} is decoded from its index in O(axes), so a million-run grid costs the driver nothing per
 * run. Plain fields only: a grid is shipped to Spark executors as it is.
 */
public final class Grid implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String name;
    final Map<Setting, Object> fixed;
    final Map<Setting, String> fixedPaths;
    /** Swept settings in file order. */
    final List<Axis> axes;
    final DataSpec.Kind dataKind;
    final int dataInputs;
    final int dataOutputs;
    final String xPath;
    final String yPath;
    final String[] tolerances;
    final String primary;
    /** A digest of the data files' bytes (file data), part of every config id; null for synthetic data. */
    final String dataFingerprint;
    /** Parquet data (data.kind: parquet), else null. */
    public final ParquetSource parquet;
    private final Block[] blocks;
    private final long size;

    /** The runs of one (noise type, init scheme) pair: the product of the axes that apply to them. */
    private static final class Block implements Serializable {
        private static final long serialVersionUID = 1L;
        final long first;
        final long size;
        final int noiseIndex;
        final int initIndex;
        final Axis[] axes;

        Block(long first, int noiseIndex, int initIndex, Axis[] axes) {
            this.first = first;
            this.noiseIndex = noiseIndex;
            this.initIndex = initIndex;
            this.axes = axes;
            long s = 1;
            for (Axis a : axes) {
                s = Math.multiplyExact(s, a.size());
            }
            this.size = s;
        }
    }

    Grid(String name, Map<Setting, Object> fixed, Map<Setting, String> fixedPaths, List<Axis> axes,
            DataSpec.Kind dataKind, int dataInputs, int dataOutputs, String xPath, String yPath, String[] tolerances,
            String primary, String dataFingerprint, ParquetSource parquet) {
        this.name = name;
        this.fixed = new EnumMap<>(fixed);
        this.fixedPaths = new EnumMap<>(fixedPaths);
        this.axes = new ArrayList<>(axes);
        this.dataKind = dataKind;
        this.dataInputs = dataInputs;
        this.dataOutputs = dataOutputs;
        this.xPath = xPath;
        this.yPath = yPath;
        this.tolerances = tolerances;
        this.primary = primary;
        this.dataFingerprint = dataFingerprint;
        this.parquet = parquet;
        Axis noise = axis(Setting.NOISE);
        Axis init = axis(Setting.INIT);
        int noises = noise == null ? 1 : (int) noise.size();
        int inits = init == null ? 1 : (int) init.size();
        List<Block> bs = new ArrayList<>();
        long first = 0;
        for (int n = 0; n < noises; n++) {
            NoiseType nt = NoiseType.parse("noise", (String) valueOf(Setting.NOISE, noise, n, "none"));
            for (int i = 0; i < inits; i++) {
                InitScheme is = InitScheme.parse("init", (String) valueOf(Setting.INIT, init, i, "gaussian"));
                List<Axis> applicable = new ArrayList<>();
                for (Axis a : axes) {
                    if (a.setting != Setting.NOISE && a.setting != Setting.INIT
                            && a.setting.appliesTo(nt, is, dataKind == DataSpec.Kind.SYNTHETIC)) {
                        applicable.add(a);
                    }
                }
                Block b = new Block(first, n, i, applicable.toArray(new Axis[0]));
                bs.add(b);
                first = Math.addExact(first, b.size);
            }
        }
        this.blocks = bs.toArray(new Block[0]);
        this.size = first;
    }

    private Object valueOf(Setting s, Axis a, int i, Object dflt) {
        if (a != null) {
            return a.get(i);
        }
        return fixed.getOrDefault(s, dflt);
    }

    /** Digest of the data files for file data (part of config ids), null for synthetic data. */
    public String dataFingerprint() {
        return dataFingerprint;
    }

    /** The config id of run {@code index}. */
    public String configId(long index) {
        return ConfigId.of(config(index), dataFingerprint);
    }

    /** The axis of {@code s}, or null when it is not swept. */
    public Axis axis(Setting s) {
        for (Axis a : axes) {
            if (a.setting == s) {
                return a;
            }
        }
        return null;
    }

    public List<Axis> axes() {
        return List.copyOf(axes);
    }

    /** Number of runs, non-applicable axes collapsed. */
    public long size() {
        return size;
    }

    /** Runs per noise type, in file order. */
    public Map<String, Long> runsPerNoise() {
        Map<String, Long> out = new LinkedHashMap<>();
        Axis noise = axis(Setting.NOISE);
        for (Block b : blocks) {
            String n = (String) valueOf(Setting.NOISE, noise, b.noiseIndex, "none");
            out.merge(n, b.size, Long::sum);
        }
        return out;
    }

    /** The configuration of run {@code index} (0 &lt;= index &lt; size()). */
    public RunConfig config(long index) {
        return build(index, null);
    }

    /** The setting values of run {@code index} with where each came from in the file. */
    private RunConfig build(long index, Map<Setting, String> sources) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("run index " + index + " outside 0.." + (size - 1));
        }
        Block b = blocks[findBlock(index)];
        Map<Setting, Object> values = new EnumMap<>(fixed);
        Map<Setting, String> paths = sources != null ? sources : new EnumMap<>(Setting.class);
        paths.putAll(fixedPaths);
        Axis noise = axis(Setting.NOISE);
        Axis init = axis(Setting.INIT);
        if (noise != null) {
            values.put(Setting.NOISE, noise.get(b.noiseIndex));
            paths.put(Setting.NOISE, noise.pathOf(b.noiseIndex));
        }
        if (init != null) {
            values.put(Setting.INIT, init.get(b.initIndex));
            paths.put(Setting.INIT, init.pathOf(b.initIndex));
        }
        long rest = index - b.first;
        for (int k = b.axes.length - 1; k >= 0; k--) {
            Axis a = b.axes[k];
            long i = rest % a.size();
            rest /= a.size();
            values.put(a.setting, a.get(i));
            paths.put(a.setting, a.pathOf(i));
        }
        try {
            return apply(values);
        } catch (ConfigException e) {
            throw located(e, paths);
        }
    }

    private int findBlock(long index) {
        int lo = 0;
        int hi = blocks.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (blocks[mid].first <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        while (blocks[lo].size == 0 && lo + 1 < blocks.length) {
            lo++;
        }
        return lo;
    }

    /** A run's settings on top of the trainer's defaults (only what the grid sets is set). */
    private RunConfig apply(Map<Setting, Object> v) {
        RunConfig.Builder b = RunConfig.builder();
        DataSpec defaults = RunConfig.builder().build().data;
        int samples = defaults.samples;
        long dataSeed = defaults.seed;
        double teacherNoise = defaults.teacherNoise;
        for (Map.Entry<Setting, Object> e : v.entrySet()) {
            Object x = e.getValue();
            switch (e.getKey()) {
                case ARCHITECTURE: b.architecture((String) x); break;
                case DEPTH: b.depth((Integer) x); break;
                case NOISE: b.noise(NoiseType.parse("noise", (String) x)); break;
                case SIGMA: b.sigma((Double) x); break;
                case SEED: b.seed((Long) x); break;
                case LEARNING_RATE: b.learningRate((Double) x); break;
                case EPOCHS: b.epochs((Integer) x); break;
                case LOSS: b.loss(org.ranksweep.trainer.config.LossKind.parse("loss", (String) x)); break;
                case CHECKPOINT_EVERY: b.checkpointEvery((Integer) x); break;
                case PRECISION: b.precision(org.ranksweep.trainer.config.Precision.parse("precision", (String) x)); break;
                case DIVERGENCE_FACTOR: b.divergenceFactor((Double) x); break;
                case BATCH_SIZE: b.batchSize((Integer) x); break;
                case JIN_GRAD_THRESHOLD: b.jinGradThreshold((Double) x); break;
                case JIN_INTERVAL: b.jinInterval((Integer) x); break;
                case INIT: b.init(InitScheme.parse("init", (String) x)); break;
                case INIT_RANK: b.initRank((Integer) x); break;
                case INIT_SCALE: b.initScale((Double) x); break;
                case DATA_SEED: dataSeed = (Long) x; break;
                case SAMPLES: samples = (Integer) x; break;
                case TEACHER_NOISE: teacherNoise = (Double) x; break;
                default: throw new IllegalStateException("unhandled setting " + e.getKey());
            }
        }
        b.tolerances(tolerances);
        b.primaryTolerance(primary);
        if (dataKind == DataSpec.Kind.SYNTHETIC) {
            b.data(DataSpec.synthetic(dataInputs, dataOutputs, samples, dataSeed, teacherNoise));
        } else if (dataKind == DataSpec.Kind.FILE) {
            b.data(DataSpec.files(xPath, yPath));
        } else {
            b.data(DataSpec.provided("parquet:" + parquet.path, parquet.samples));
        }
        RunConfig c = b.build();
        if (parquet != null) {
            if (parquet.inputs > 0 && parquet.inputs != c.widths[0]) {
                throw new ConfigException("data.x", "has " + parquet.inputs + " columns but the architecture's input width is "
                        + c.widths[0], String.join(", ", parquet.x));
            }
            if (parquet.outputs > 0 && parquet.outputs != c.widths[c.depth()]) {
                throw new ConfigException("data.y", "has " + parquet.outputs + " columns but the architecture's output width is "
                        + c.widths[c.depth()], String.join(", ", parquet.y));
            }
        }
        return c;
    }

    /** A run-level refusal re-addressed to where the offending value sits in the grid file. */
    private static GridException located(ConfigException e, Map<Setting, String> paths) {
        Setting s = settingOf(e.field());
        String where = s != null && paths.containsKey(s) ? paths.get(s) : e.field();
        StringBuilder with = new StringBuilder();
        for (Setting other : new Setting[] {Setting.ARCHITECTURE, Setting.NOISE, Setting.INIT}) {
            if (other != s && paths.containsKey(other) && paths.get(other).startsWith("grid.")) {
                with.append(with.length() == 0 ? " (with " : ", ").append(paths.get(other));
            }
        }
        if (with.length() > 0) {
            with.append(')');
        }
        String suffix = e.field().startsWith("architecture.") && where.startsWith("grid.architecture")
                ? " in " + e.field().substring("architecture".length() + 1) : "";
        return new GridException(where, e.rule() + suffix, e.value(), with.toString());
    }

    private static Setting settingOf(String field) {
        if (field.startsWith("architecture")) {
            return Setting.ARCHITECTURE;
        }
        switch (field) {
            case "depth":
                return Setting.DEPTH;
            case "sigma":
                return Setting.SIGMA;
            case "batchSize":
                return Setting.BATCH_SIZE;
            case "jinGradThreshold":
                return Setting.JIN_GRAD_THRESHOLD;
            case "jinInterval":
                return Setting.JIN_INTERVAL;
            case "init.scheme":
                return Setting.INIT;
            case "init.rank":
                return Setting.INIT_RANK;
            case "init.scale":
                return Setting.INIT_SCALE;
            case "train.learningRate":
                return Setting.LEARNING_RATE;
            case "train.epochs":
                return Setting.EPOCHS;
            case "train.checkpointEvery":
                return Setting.CHECKPOINT_EVERY;
            case "train.divergenceFactor":
                return Setting.DIVERGENCE_FACTOR;
            case "data.samples":
                return Setting.SAMPLES;
            case "data.teacherNoise":
                return Setting.TEACHER_NOISE;
            default:
                return null;
        }
    }

    /**
     * Builds every combination of the settings that constrain one another (architecture, depth, init,
     * init rank, noise, sigma, batch size, samples), the others at their first value: every run of the
     * grid is then valid, since the remaining settings were checked one by one when parsed.
     */
    void validateCombinations() {
        List<Axis> interacting = new ArrayList<>();
        for (Axis a : axes) {
            switch (a.setting) {
                case ARCHITECTURE:
                case DEPTH:
                case INIT:
                case INIT_RANK:
                case NOISE:
                case SIGMA:
                case BATCH_SIZE:
                case SAMPLES:
                    interacting.add(a);
                    break;
                default:
                    break;
            }
        }
        Map<Setting, Object> base = new EnumMap<>(fixed);
        Map<Setting, String> basePaths = new EnumMap<>(fixedPaths);
        for (Axis a : axes) {
            base.put(a.setting, a.get(0));
            basePaths.put(a.setting, a.pathOf(0));
        }
        long combos = 1;
        for (Axis a : interacting) {
            combos = Math.multiplyExact(combos, a.size());
        }
        for (long c = 0; c < combos; c++) {
            Map<Setting, Object> v = new EnumMap<>(base);
            Map<Setting, String> p = new EnumMap<>(basePaths);
            long rest = c;
            for (int k = interacting.size() - 1; k >= 0; k--) {
                Axis a = interacting.get(k);
                long i = rest % a.size();
                rest /= a.size();
                v.put(a.setting, a.get(i));
                p.put(a.setting, a.pathOf(i));
            }
            try {
                apply(v);
            } catch (ConfigException e) {
                throw located(e, p);
            }
        }
    }
}
