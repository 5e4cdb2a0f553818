package org.ranksweep.trainer.data;

import java.io.Serializable;
import java.util.Objects;

/**
 * Where a run's data comes from. Plain final fields (shipped across a Spark cluster as is).
 * <ul>
 * <li>{@code synthetic}: X (inputs x samples) and Y (outputs x samples) drawn from {@code seed}; see
 *     {@link SyntheticData} for the law. 0 for inputs/outputs means "take them from the architecture".</li>
 * <li>{@code file}: X and Y read from {@code .npy} or {@code .csv} files, one sample per row.</li>
 * </ul>
 */
public final class DataSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    /** PROVIDED: the caller hands the data to {@code Trainer.run(config, dataset)} (e.g. read by Spark). */
    public enum Kind { SYNTHETIC, FILE, PROVIDED }

    public final Kind kind;
    public final int inputs;
    public final int outputs;
    public final int samples;
    public final long seed;
    public final double teacherNoise;
    public final String xPath;
    public final String yPath;

    private DataSpec(Kind kind, int inputs, int outputs, int samples, long seed, double teacherNoise,
            String xPath, String yPath) {
        this.kind = kind;
        this.inputs = inputs;
        this.outputs = outputs;
        this.samples = samples;
        this.seed = seed;
        this.teacherNoise = teacherNoise;
        this.xPath = xPath;
        this.yPath = yPath;
    }

    /** Default label noise of synthetic data, relative to the teacher's signal (see {@link SyntheticData}). */
    public static final double DEFAULT_TEACHER_NOISE = 0.1;

    public static DataSpec synthetic(int inputs, int outputs, int samples, long seed, double teacherNoise) {
        return new DataSpec(Kind.SYNTHETIC, inputs, outputs, samples, seed, teacherNoise, null, null);
    }

    public static DataSpec files(String xPath, String yPath) {
        return new DataSpec(Kind.FILE, 0, 0, 0, 0, 0, xPath, yPath);
    }

    /**
     * Data the caller provides; {@code source} names where they came from (kept in {@link #xPath}),
     * {@code samples} is their number of rows.
     */
    public static DataSpec provided(String source, int samples) {
        return new DataSpec(Kind.PROVIDED, 0, 0, samples, 0, 0, source, null);
    }

    /** This spec with the synthetic shapes filled from the architecture where they were left 0. */
    public DataSpec withShapeDefaults(int inputWidth, int outputWidth) {
        if (kind != Kind.SYNTHETIC || (inputs != 0 && outputs != 0)) {
            return this;
        }
        return synthetic(inputs == 0 ? inputWidth : inputs, outputs == 0 ? outputWidth : outputs,
                samples, seed, teacherNoise);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DataSpec)) {
            return false;
        }
        DataSpec d = (DataSpec) o;
        return kind == d.kind && inputs == d.inputs && outputs == d.outputs && samples == d.samples
                && seed == d.seed && Double.compare(teacherNoise, d.teacherNoise) == 0
                && Objects.equals(xPath, d.xPath) && Objects.equals(yPath, d.yPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, inputs, outputs, samples, seed, teacherNoise, xPath, yPath);
    }

    @Override
    public String toString() {
        switch (kind) {
            case SYNTHETIC:
                return "synthetic(inputs=" + inputs + ", outputs=" + outputs + ", samples=" + samples + ", seed=" + seed
                        + ", teacherNoise=" + teacherNoise + ")";
            case FILE:
                return "file(x=" + xPath + ", y=" + yPath + ")";
            default:
                return "provided(" + xPath + ", samples=" + samples + ")";
        }
    }
}
