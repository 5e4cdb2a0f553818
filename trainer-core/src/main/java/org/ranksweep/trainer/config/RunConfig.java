package org.ranksweep.trainer.config;

import java.io.File;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.linalg.Tolerance;

/**
 * Everything that determines one run's result, immutable. Plain final fields of primitives, strings,
 * arrays and enums, so Spark ships it with Kryo as it is. Build with {@link #builder()}; every
 * instance has passed {@link Builder#build()}'s validation.
 */
public final class RunConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Widths d_0 (inputs) .. d_H (outputs); H = widths.length - 1 weight matrices. */
    public final int[] widths;
    public final Activation hiddenActivation;
    public final Activation outputActivation;
    public final NoiseType noise;
    public final double sigma;
    /** Mini-batch size for {@code sgd}; 0 elsewhere (full batch). */
    public final int batchSize;
    public final double jinGradThreshold;
    public final int jinInterval;
    public final long seed;
    public final InitScheme init;
    public final int initRank;
    public final double initScale;
    public final double learningRate;
    public final int epochs;
    public final LossKind loss;
    public final int checkpointEvery;
    public final Precision precision;
    public final String[] tolerances;
    public final String primaryTolerance;
    /** A run diverges when its loss passes this many times its initial loss (or stops being finite). */
    public final double divergenceFactor;
    public final DataSpec data;

    private RunConfig(Builder b) {
        this.widths = b.widths.clone();
        this.hiddenActivation = b.hiddenActivation;
        this.outputActivation = b.outputActivation;
        this.noise = b.noise;
        this.sigma = b.noise.usesSigma() ? b.sigma : 0.0;
        this.batchSize = b.noise == NoiseType.SGD ? b.batchSize : 0;
        this.jinGradThreshold = b.noise == NoiseType.JIN_PGD ? b.jinGradThreshold : 0.0;
        this.jinInterval = b.noise == NoiseType.JIN_PGD ? b.jinInterval : 0;
        this.seed = b.seed;
        this.init = b.init;
        this.initRank = b.init.usesRank() ? b.initRank : 0;
        this.initScale = b.init == InitScheme.ZERO ? 0.0 : b.initScale;
        this.learningRate = b.learningRate;
        this.epochs = b.epochs;
        this.loss = b.loss;
        this.checkpointEvery = b.checkpointEvery;
        this.precision = b.precision;
        this.tolerances = b.tolerances.clone();
        this.primaryTolerance = b.primaryTolerance;
        this.divergenceFactor = b.divergenceFactor;
        this.data = b.data.withShapeDefaults(b.widths[0], b.widths[b.widths.length - 1]);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.widths = widths.clone();
        b.hiddenActivation = hiddenActivation;
        b.outputActivation = outputActivation;
        b.noise = noise;
        b.sigma = sigma;
        b.batchSize = batchSize;
        b.jinGradThreshold = noise == NoiseType.JIN_PGD ? jinGradThreshold : b.jinGradThreshold;
        b.jinInterval = noise == NoiseType.JIN_PGD ? jinInterval : b.jinInterval;
        b.seed = seed;
        b.init = init;
        b.initRank = initRank;
        b.initScale = initScale;
        b.learningRate = learningRate;
        b.epochs = epochs;
        b.loss = loss;
        b.checkpointEvery = checkpointEvery;
        b.precision = precision;
        b.tolerances = tolerances.clone();
        b.primaryTolerance = primaryTolerance;
        b.divergenceFactor = divergenceFactor;
        b.data = data;
        return b;
    }

    /** Number of weight matrices H. */
    public int depth() {
        return widths.length - 1;
    }

    /** min(d_0, ..., d_H): the largest rank R = W_H...W_1 can have. */
    public int fullRank() {
        int r = Integer.MAX_VALUE;
        for (int w : widths) {
            r = Math.min(r, w);
        }
        return r;
    }

    /** Whether every layer is linear (then L* has a closed form). */
    public boolean isLinear() {
        return hiddenActivation == Activation.LINEAR && outputActivation == Activation.LINEAR;
    }

    /**
     * Whether each step starts from the clean full-batch gradient: noise none, gradient, jin-pgd and
     * spectral, and every other full-batch noise at level 0 (which is plain gradient descent).
     */
    public boolean stepUsesCleanGradient() {
        return noise.stepUsesCleanGradient() || (sigma == 0 && noise != NoiseType.SGD);
    }

    /**
     * Whether the loss and gradients may come from the data's sufficient statistics (the trainer's
     * sufficient-statistics path): a linear network trained on the clean full-batch gradient.
     */
    public boolean sufficientStatisticsApply() {
        return isLinear() && stepUsesCleanGradient();
    }

    /** {@code 1000-500-250:linear}, with {@code :tanh} appended when the output layer has an activation. */
    public String architecture() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            if (i > 0) {
                s.append('-');
            }
            s.append(widths[i]);
        }
        s.append(':').append(hiddenActivation);
        if (outputActivation != Activation.LINEAR) {
            s.append(':').append(outputActivation);
        }
        return s.toString();
    }

    public Tolerance[] parsedTolerances() {
        Tolerance[] t = new Tolerance[tolerances.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = Tolerance.parse("rank.tolerances[" + i + "]", tolerances[i]);
        }
        return t;
    }

    /** Index of the primary tolerance in {@link #tolerances}. */
    public int primaryIndex() {
        Tolerance p = Tolerance.parse("rank.primary", primaryTolerance);
        Tolerance[] all = parsedTolerances();
        for (int i = 0; i < all.length; i++) {
            if (all[i].equals(p)) {
                return i;
            }
        }
        throw new IllegalStateException("primary tolerance not among tolerances");
    }

    /**
     * Every field that determines the result, by its documented name, in a fixed order: the
     * provenance printed with a run (and the input of a sweep's config id).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", architecture());
        m.put("widths", widths.clone());
        m.put("hidden_activation", hiddenActivation.toString());
        m.put("output_activation", outputActivation.toString());
        m.put("noise", noise.toString());
        m.put("sigma", sigma);
        m.put("batch_size", batchSize);
        m.put("jin_grad_threshold", jinGradThreshold);
        m.put("jin_interval", jinInterval);
        m.put("seed", seed);
        m.put("init", init.toString());
        m.put("init_rank", initRank);
        m.put("init_scale", initScale);
        m.put("learning_rate", learningRate);
        m.put("epochs", epochs);
        m.put("loss", loss.toString());
        m.put("checkpoint_every", checkpointEvery);
        m.put("precision", precision.toString());
        m.put("tolerances", tolerances.clone());
        m.put("primary_tolerance", primaryTolerance);
        m.put("divergence_factor", divergenceFactor);
        m.put("data", data.toString());
        return m;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RunConfig{");
        for (Map.Entry<String, Object> e : toMap().entrySet()) {
            Object v = e.getValue();
            String text = v instanceof int[] ? Arrays.toString((int[]) v)
                    : v instanceof String[] ? Arrays.toString((String[]) v) : String.valueOf(v);
            s.append(e.getKey()).append('=').append(text).append(", ");
        }
        s.setLength(s.length() - 2);
        return s.append('}').toString();
    }

    /** Mutable settings with the documented defaults; {@link #build()} validates. */
    public static final class Builder {
        /** The widths as set so far (read-only use). */
        public int[] widths = {20, 10, 5};
        private int depth;
        private Activation hiddenActivation = Activation.LINEAR;
        private Activation outputActivation = Activation.LINEAR;
        private NoiseType noise = NoiseType.NONE;
        private double sigma;
        private int batchSize = 32;
        private double jinGradThreshold = 1e-3;
        private int jinInterval = 10;
        private long seed;
        private InitScheme init = InitScheme.GAUSSIAN;
        private int initRank = 1;
        private double initScale = 0.1;
        private double learningRate = 0.01;
        private int epochs = 10;
        private LossKind loss = LossKind.SUM;
        private int checkpointEvery = 1;
        private Precision precision = Precision.FLOAT64;
        private String[] tolerances = {"numpy", "rel:1e-6", "rel:1e-3"};
        private String primaryTolerance = "rel:1e-3";
        private double divergenceFactor = 1e6;
        private DataSpec data = DataSpec.synthetic(0, 0, 100, 0, DataSpec.DEFAULT_TEACHER_NOISE);

        private Builder() {
        }

        /** {@code 1000-500-250:linear} or {@code 900-500-100:tanh:tanh} (hidden, then output activation). */
        public Builder architecture(String spec) {
            String field = "architecture";
            if (spec == null || spec.isBlank()) {
                throw new ConfigException(field, "must be widths joined by '-', then ':activation'", spec);
            }
            String[] parts = spec.trim().split(":", -1);
            if (parts.length > 3) {
                throw new ConfigException(field, "must be WIDTHS[:HIDDEN_ACTIVATION[:OUTPUT_ACTIVATION]]", spec);
            }
            String[] ws = parts[0].split("-", -1);
            int[] parsed = new int[ws.length];
            for (int i = 0; i < ws.length; i++) {
                try {
                    parsed[i] = Integer.parseInt(ws[i].trim());
                } catch (NumberFormatException e) {
                    throw new ConfigException(field + ".widths[" + i + "]", "must be a whole number", ws[i]);
                }
            }
            widths = parsed;
            hiddenActivation = parts.length > 1 ? Activation.parse(field + ".activation", parts[1]) : Activation.LINEAR;
            outputActivation = parts.length > 2 ? Activation.parse(field + ".outputActivation", parts[2])
                    : Activation.LINEAR;
            return this;
        }

        public Builder widths(int... w) {
            widths = w.clone();
            return this;
        }

        /** Declared depth H; 0 (default) means "as many as the architecture has". */
        public Builder depth(int h) {
            depth = h;
            return this;
        }

        public Builder hiddenActivation(Activation a) {
            hiddenActivation = a;
            return this;
        }

        public Builder outputActivation(Activation a) {
            outputActivation = a;
            return this;
        }

        public Builder noise(NoiseType n) {
            noise = n;
            return this;
        }

        public Builder sigma(double s) {
            sigma = s;
            return this;
        }

        public Builder batchSize(int b) {
            batchSize = b;
            return this;
        }

        public Builder jinGradThreshold(double t) {
            jinGradThreshold = t;
            return this;
        }

        public Builder jinInterval(int t) {
            jinInterval = t;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder init(InitScheme i) {
            init = i;
            return this;
        }

        public Builder initRank(int r) {
            initRank = r;
            return this;
        }

        public Builder initScale(double s) {
            initScale = s;
            return this;
        }

        public Builder learningRate(double lr) {
            learningRate = lr;
            return this;
        }

        public Builder epochs(int e) {
            epochs = e;
            return this;
        }

        public Builder loss(LossKind l) {
            loss = l;
            return this;
        }

        public Builder checkpointEvery(int k) {
            checkpointEvery = k;
            return this;
        }

        public Builder precision(Precision p) {
            precision = p;
            return this;
        }

        public Builder tolerances(String... t) {
            tolerances = t.clone();
            return this;
        }

        public Builder primaryTolerance(String t) {
            primaryTolerance = t;
            return this;
        }

        public Builder divergenceFactor(double f) {
            divergenceFactor = f;
            return this;
        }

        public Builder data(DataSpec d) {
            data = d;
            return this;
        }

        /** Validates every field (messages name the field and the value) and returns the config. */
        public RunConfig build() {
            validate();
            return new RunConfig(this);
        }

        private void validate() {
            if (widths == null || widths.length < 3) {
                throw new ConfigException("architecture", "needs at least 3 widths (depth H >= 2 weight matrices)",
                        widths);
            }
            for (int i = 0; i < widths.length; i++) {
                if (widths[i] < 1) {
                    throw new ConfigException("architecture.widths[" + i + "]", "must be >= 1", widths[i]);
                }
            }
            int h = widths.length - 1;
            if (depth != 0 && depth != h) {
                throw new ConfigException("depth", "must match the architecture, which has H = " + h
                        + " weight matrices", depth);
            }
            require(hiddenActivation != null, "architecture.activation", "is required", null);
            require(outputActivation != null, "architecture.outputActivation", "is required", null);
            require(noise != null, "noise", "is required", null);
            require(Double.isFinite(sigma) && sigma >= 0, "sigma", "must be >= 0 and finite", sigma);
            if (noise == NoiseType.BERNOULLI_DROPOUT) {
                require(sigma < 1, "sigma", "is the drop probability of bernoulli-dropout and must be < 1", sigma);
            }
            if (noise == NoiseType.SGD) {
                require(batchSize >= 1, "batchSize", "must be >= 1 for sgd", batchSize);
            }
            if (noise == NoiseType.JIN_PGD) {
                require(Double.isFinite(jinGradThreshold) && jinGradThreshold >= 0, "jinGradThreshold",
                        "must be >= 0 and finite", jinGradThreshold);
                require(jinInterval >= 0, "jinInterval", "must be >= 0", jinInterval);
            }
            require(init != null, "init.scheme", "is required", null);
            if (init != InitScheme.ZERO) {
                require(Double.isFinite(initScale) && initScale > 0, "init.scale", "must be > 0 and finite", initScale);
            }
            if (init.usesRank()) {
                int max = Integer.MAX_VALUE;
                for (int w : widths) {
                    max = Math.min(max, w);
                }
                require(initRank >= 1 && initRank <= max, "init.rank",
                        "must be between 1 and the narrowest width " + max, initRank);
            }
            require(Double.isFinite(learningRate) && learningRate > 0, "train.learningRate", "must be > 0 and finite",
                    learningRate);
            require(epochs >= 1, "train.epochs", "must be >= 1", epochs);
            require(checkpointEvery >= 1, "train.checkpointEvery", "must be >= 1", checkpointEvery);
            require(loss != null, "train.loss", "is required", null);
            require(precision != null, "train.precision", "is required", null);
            require(divergenceFactor > 1 && !Double.isNaN(divergenceFactor), "train.divergenceFactor", "must be > 1",
                    divergenceFactor);
            require(tolerances != null && tolerances.length > 0, "rank.tolerances", "must list at least one tolerance",
                    tolerances == null ? null : Arrays.toString(tolerances));
            Tolerance[] parsed = new Tolerance[tolerances.length];
            for (int i = 0; i < tolerances.length; i++) {
                parsed[i] = Tolerance.parse("rank.tolerances[" + i + "]", tolerances[i]);
                for (int j = 0; j < i; j++) {
                    require(!parsed[j].equals(parsed[i]), "rank.tolerances[" + i + "]", "is listed twice", tolerances[i]);
                }
            }
            Tolerance primary = Tolerance.parse("rank.primary", primaryTolerance);
            require(Arrays.asList(parsed).contains(primary), "rank.primary",
                    "must be one of rank.tolerances " + Arrays.toString(tolerances), primaryTolerance);
            validateData(h);
        }

        private void validateData(int h) {
            require(data != null, "data", "is required", null);
            if (data.kind == DataSpec.Kind.SYNTHETIC) {
                require(data.samples >= 1, "data.samples", "must be >= 1", data.samples);
                require(Double.isFinite(data.teacherNoise) && data.teacherNoise >= 0, "data.teacherNoise",
                        "must be >= 0 and finite", data.teacherNoise);
                if (data.inputs != 0) {
                    require(data.inputs == widths[0], "data.inputs",
                            "must equal the architecture's input width " + widths[0], data.inputs);
                }
                if (data.outputs != 0) {
                    require(data.outputs == widths[h], "data.outputs",
                            "must equal the architecture's output width " + widths[h], data.outputs);
                }
                if (noise == NoiseType.SGD) {
                    require(batchSize <= data.samples, "batchSize", "must be <= data.samples " + data.samples,
                            batchSize);
                }
            } else if (data.kind == DataSpec.Kind.FILE) {
                requireFile("data.x", data.xPath);
                requireFile("data.y", data.yPath);
            } else if (noise == NoiseType.SGD && data.samples > 0) {
                require(batchSize <= data.samples, "batchSize", "must be <= the data's " + data.samples + " samples",
                        batchSize);
            }
        }

        private static void requireFile(String field, String path) {
            require(path != null && !path.isBlank(), field, "a file path is required", path);
            require(new File(path).isFile(), field, "file not found", path);
        }

        private static void require(boolean ok, String field, String rule, Object value) {
            if (!ok) {
                throw new ConfigException(field, rule, value);
            }
        }
    }
}
