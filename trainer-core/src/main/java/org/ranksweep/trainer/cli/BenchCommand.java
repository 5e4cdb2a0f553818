package org.ranksweep.trainer.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.ranksweep.trainer.bench.Ceiling;
import org.ranksweep.trainer.bench.FlopModel;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.linalg.ComputeThreads;
import org.ranksweep.trainer.linalg.NativeLinalg;
import org.ranksweep.trainer.train.RunResult;
import org.ranksweep.trainer.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sweep bench}: the study's Figure-1 run (1000-500-250 linear, 1000 samples, 50 full-batch epochs,
 * balanced rank-10 start, checkpoint every epoch) timed against the machine's GEMM ceiling measured in
 * the same process.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time the Figure-1 run against this machine's dgemm ceiling (numbers for the README).")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "1000-500-250:linear")
    String architecture;

    @Option(names = "--samples", defaultValue = "1000")
    int samples;

    @Option(names = "--epochs", defaultValue = "50")
    int epochs;

    @Option(names = "--checkpoint-every", defaultValue = "1")
    int checkpointEvery;

    @Option(names = "--noise", defaultValue = "none,gradient", split = ",")
    String[] noises;

    @Option(names = "--repeat", defaultValue = "2", description = "Timed runs per noise type (the best is reported).")
    int repeat;

    @Option(names = "--overlap-spectra", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Checkpoint SVDs on a second thread while training goes on (default: on).")
    boolean overlap;

    @Option(names = "--threads", defaultValue = "0",
            description = "ND4J compute threads while training (0: cores - 1 with overlapped spectra, else cores).")
    int threads;

    @Override
    public Integer call() {
        System.out.printf(Locale.ROOT, "threads: OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s; cores %d; netlib: %s%n",
                System.getenv("OMP_NUM_THREADS"), System.getenv("OPENBLAS_NUM_THREADS"),
                Runtime.getRuntime().availableProcessors(), NativeLinalg.describe());
        int cores = Runtime.getRuntime().availableProcessors();
        ComputeThreads.set(cores, "ceiling: every core");
        double nd4j = Ceiling.nd4jGemm(1000, DataType.DOUBLE, 2.0);
        double netlib = Ceiling.netlibDgemm(1000, 2.0);
        double ceiling = Math.max(nd4j, netlib);
        System.out.printf(Locale.ROOT, "dgemm 1000^3: ND4J on %d threads %.1f GFLOP/s, netlib %.1f GFLOP/s; "
                + "ceiling %.1f GFLOP/s%n", cores, nd4j, netlib, ceiling);
        int train = ComputeThreads.forSingleRun(threads, overlap);
        for (String noise : noises) {
            RunConfig c = RunConfig.builder().architecture(architecture).noise(NoiseType.parse("--noise", noise))
                    .sigma(0.01).init(InitScheme.BALANCED_LOW_RANK).initRank(10).initScale(0.1).learningRate(0.05)
                    .epochs(epochs).checkpointEvery(checkpointEvery).seed(0)
                    .data(DataSpec.synthetic(0, 0, samples, 7, DataSpec.DEFAULT_TEACHER_NOISE)).build();
            DataLoader.load(c.data);
            Trainer.run(c.toBuilder().epochs(2).build(), DataLoader.load(c.data), overlap); // warm-up
            RunResult best = null;
            for (int i = 0; i < repeat; i++) {
                RunResult r = Trainer.run(c, DataLoader.load(c.data), overlap);
                if (best == null || r.wallMs < best.wallMs) {
                    best = r;
                }
            }
            double flops = FlopModel.run(c, samples);
            double floorMs = flops / (ceiling * 1e9) * 1e3;
            System.out.printf(Locale.ROOT, "%s %s, %d epochs, checkpoint every %d, %d training thread(s)%s: run %d ms, "
                    + "of which SVD %d ms%s; %.1f GFLOP, floor at ceiling %.0f ms; ratio run/floor %.2f; "
                    + "final rank %d%n", c.architecture(), noise, epochs, checkpointEvery, train,
                    overlap ? " + 1 SVD thread" : "", best.wallMs, best.svdMs, overlap ? " (overlapped)" : "",
                    flops / 1e9, floorMs, best.wallMs / floorMs, best.finalRank);
        }
        return 0;
    }
}
