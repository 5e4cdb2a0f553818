package org.ranksweep.trainer.cli;

import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.LossKind;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.Precision;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataSpec;
import picocli.CommandLine.Option;

/** The flags that describe one configuration (shared by {@code train}, {@code dataset} and benchmarks). */
public final class RunOptions {
    @Option(names = "--arch", defaultValue = "20-10-5:linear",
            description = "Widths d_0-...-d_H, then :hidden activation and optionally :output activation "
                    + "(linear, sigmoid, tanh, relu). Default: ${DEFAULT-VALUE}.")
    String architecture;

    @Option(names = "--depth", defaultValue = "0", description = "Declared H; must match --arch (0: not checked).")
    int depth;

    @Option(names = "--noise", defaultValue = "none",
            description = "none, gradient, sgd, input, output, gaussian-dropout, bernoulli-dropout, jin-pgd, spectral.")
    String noise;

    @Option(names = "--sigma", defaultValue = "0", description = "Noise level; its meaning per noise type is in the README.")
    double sigma;

    @Option(names = "--batch-size", defaultValue = "32", description = "Mini-batch size for sgd.")
    int batchSize;

    @Option(names = "--jin-threshold", defaultValue = "1e-3", description = "jin-pgd: perturb when ||grad|| <= this.")
    double jinThreshold;

    @Option(names = "--jin-interval", defaultValue = "10", description = "jin-pgd: steps between perturbations.")
    int jinInterval;

    @Option(names = "--seed", defaultValue = "0", description = "Run seed (initial weights, noise, shuffles).")
    long seed;

    @Option(names = "--init", defaultValue = "gaussian",
            description = "gaussian, xavier, orthogonal, zero, truncated-rank, balanced-low-rank.")
    String init;

    @Option(names = "--init-rank", defaultValue = "1", description = "r for truncated-rank and balanced-low-rank.")
    int initRank;

    @Option(names = "--init-scale", defaultValue = "0.1", description = "Scale of the initial weights.")
    double initScale;

    @Option(names = {"--lr", "--learning-rate"}, defaultValue = "0.01", description = "Learning rate eta.")
    double learningRate;

    @Option(names = "--epochs", defaultValue = "10")
    int epochs;

    @Option(names = "--loss", defaultValue = "sum", description = "sum (1/2 ||f(X)-Y||^2, as the study) or mean.")
    String loss;

    @Option(names = "--checkpoint-every", defaultValue = "1")
    int checkpointEvery;

    @Option(names = "--precision", defaultValue = "float64", description = "float64 or float32.")
    String precision;

    @Option(names = "--tolerances", defaultValue = "numpy,rel:1e-6,rel:1e-3", split = ",",
            description = "Rank tolerances: numpy, rel:<t>, abs:<t>.")
    String[] tolerances;

    @Option(names = "--primary", defaultValue = "rel:1e-3", description = "The tolerance that defines rank and full rank.")
    String primary;

    @Option(names = "--divergence-factor", defaultValue = "1e6",
            description = "DIVERGED when the loss passes this many times the initial loss.")
    double divergenceFactor;

    @Option(names = "--samples", defaultValue = "100", description = "Synthetic data: number of samples m.")
    int samples;

    @Option(names = "--data-seed", defaultValue = "0", description = "Synthetic data: seed (separate from --seed).")
    long dataSeed;

    @Option(names = "--teacher-noise", defaultValue = "0.1", description = "Synthetic data: label noise level.")
    double teacherNoise;

    @Option(names = "--x", description = "Read X from this .npy or .csv file (one sample per row) instead of synthetic data.")
    String xPath;

    @Option(names = "--y", description = "Read Y from this .npy or .csv file (one sample per row).")
    String yPath;

    /** The validated configuration (throws {@link org.ranksweep.trainer.config.ConfigException}). */
    public RunConfig toConfig() {
        DataSpec data = xPath != null || yPath != null
                ? DataSpec.files(xPath, yPath)
                : DataSpec.synthetic(0, 0, samples, dataSeed, teacherNoise);
        return RunConfig.builder()
                .architecture(architecture)
                .depth(depth)
                .noise(NoiseType.parse("noise", noise))
                .sigma(sigma)
                .batchSize(batchSize)
                .jinGradThreshold(jinThreshold)
                .jinInterval(jinInterval)
                .seed(seed)
                .init(InitScheme.parse("init.scheme", init))
                .initRank(initRank)
                .initScale(initScale)
                .learningRate(learningRate)
                .epochs(epochs)
                .loss(LossKind.parse("train.loss", loss))
                .checkpointEvery(checkpointEvery)
                .precision(Precision.parse("train.precision", precision))
                .tolerances(tolerances)
                .primaryTolerance(primary)
                .divergenceFactor(divergenceFactor)
                .data(data)
                .build();
    }
}
