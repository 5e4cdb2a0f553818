package org.ranksweep.sweep.grid;

import java.util.Locale;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.Precision;

/**
 * A run setting that a grid may fix or sweep. {@link #key} is its name under {@code grid:}; {@link #home}
 * is where it is fixed when it is not an axis ({@code null}: it lives under {@code grid:} only, as a
 * list or a single value).
 */
public enum Setting {
    ARCHITECTURE("architecture", null, Kind.STRING),
    DEPTH("depth", null, Kind.INT),
    NOISE("noise", null, Kind.STRING),
    SIGMA("sigma", null, Kind.DOUBLE),
    SEED("seed", null, Kind.LONG),
    LEARNING_RATE("learningRate", "train.learningRate", Kind.DOUBLE),
    EPOCHS("epochs", "train.epochs", Kind.INT),
    LOSS("loss", "train.loss", Kind.STRING),
    CHECKPOINT_EVERY("checkpointEvery", "train.checkpointEvery", Kind.INT),
    PRECISION("precision", "train.precision", Kind.STRING),
    DIVERGENCE_FACTOR("divergenceFactor", "train.divergenceFactor", Kind.DOUBLE),
    BATCH_SIZE("batchSize", "train.batchSize", Kind.INT),
    JIN_GRAD_THRESHOLD("jinGradThreshold", "train.jinGradThreshold", Kind.DOUBLE),
    JIN_INTERVAL("jinInterval", "train.jinInterval", Kind.INT),
    INIT("init", "init.scheme", Kind.STRING),
    INIT_RANK("initRank", "init.rank", Kind.INT),
    INIT_SCALE("initScale", "init.scale", Kind.DOUBLE),
    DATA_SEED("dataSeed", "data.seed", Kind.LONG),
    SAMPLES("samples", "data.samples", Kind.INT),
    TEACHER_NOISE("teacherNoise", "data.teacherNoise", Kind.DOUBLE);

    /** The value types a setting takes. */
    public enum Kind { STRING, INT, LONG, DOUBLE }

    public final String key;
    public final String home;
    public final Kind kind;

    Setting(String key, String home, Kind kind) {
        this.key = key;
        this.home = home;
        this.kind = kind;
    }

    /** The setting under {@code grid:} called {@code key}, or null. */
    public static Setting byKey(String key) {
        for (Setting s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }

    /** Whether this setting changes what a run with this noise type, init scheme and data does. */
    public boolean appliesTo(NoiseType noise, InitScheme init, boolean syntheticData) {
        switch (this) {
            case SIGMA:
                return noise.usesSigma();
            case BATCH_SIZE:
                return noise == NoiseType.SGD;
            case JIN_GRAD_THRESHOLD:
            case JIN_INTERVAL:
                return noise == NoiseType.JIN_PGD;
            case INIT_RANK:
                return init.usesRank();
            case INIT_SCALE:
                return init != InitScheme.ZERO;
            case DATA_SEED:
            case SAMPLES:
            case TEACHER_NOISE:
                return syntheticData;
            default:
                return true;
        }
    }

    /**
     * Checks one value on its own (type and range; combinations are checked when runs are built) and
     * returns it in its canonical Java form: String, Integer, Long or Double.
     */
    Object check(String path, Object raw) {
        switch (kind) {
            case STRING: {
                if (!(raw instanceof String)) {
                    throw new GridException(path, "must be a string", raw);
                }
                String v = ((String) raw).trim();
                switch (this) {
                    case NOISE:
                        return NoiseType.parse(path, v).toString();
                    case INIT:
                        return InitScheme.parse(path, v).toString();
                    case LOSS:
                        return LossKind.parse(path, v).toString();
                    case PRECISION:
                        return Precision.parse(path, v).toString();
                    default:
                        if (v.isEmpty()) {
                            throw new GridException(path, "must not be empty", raw);
                        }
                        return v;
                }
            }
            case INT:
            case LONG: {
                if (!(raw instanceof Integer || raw instanceof Long)) {
                    throw new GridException(path, "must be a whole number", raw);
                }
                long v = ((Number) raw).longValue();
                long min = this == SEED || this == DATA_SEED ? Long.MIN_VALUE : this == DEPTH ? 2 : 1;
                if (v < min) {
                    throw new GridException(path, "must be >= " + min, raw);
                }
                if (kind == Kind.INT) {
                    if (v > Integer.MAX_VALUE) {
                        throw new GridException(path, "must be <= " + Integer.MAX_VALUE, raw);
                    }
                    return (int) v;
                }
                return v;
            }
            default: {
                if (!(raw instanceof Number)) {
                    throw new GridException(path, "must be a number", raw);
                }
                double v = ((Number) raw).doubleValue();
                if (!Double.isFinite(v)) {
                    throw new GridException(path, "must be finite", raw);
                }
                boolean strictlyPositive = this == LEARNING_RATE || this == INIT_SCALE;
                if (strictlyPositive ? v <= 0 : v < 0) {
                    throw new GridException(path, strictlyPositive ? "must be > 0" : "must be >= 0", raw);
                }
                if (this == DIVERGENCE_FACTOR && v <= 1) {
                    throw new GridException(path, "must be > 1", raw);
                }
                return v;
            }
        }
    }

    @Override
    public String toString() {
        return key.toLowerCase(Locale.ROOT);
    }
}
