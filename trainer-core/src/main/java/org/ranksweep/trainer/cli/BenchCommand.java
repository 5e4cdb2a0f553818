package org.ranksweep.trainer.cli;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.ranksweep.trainer.bench.Ceiling;
import org.ranksweep.trainer.bench.FlopModel;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.Precision;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.data.Dataset;
import org.ranksweep.trainer.linalg.BlasBuffers;
import org.ranksweep.trainer.linalg.BlasCheck;
import org.ranksweep.trainer.linalg.ComputeThreads;
import org.ranksweep.trainer.linalg.NativeLinalg;
import org.ranksweep.trainer.train.RunResult;
import org.ranksweep.trainer.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sweep bench}: the study's Figure-1 run (1000 samples, 50 full-batch epochs, balanced rank-10
 * start, checkpoint every epoch) and its depth-5 and sigmoid variants, on each path and precision, timed
 * against the machine's dgemm and sgemm rates measured in the same process through the BLAS the trainer
 * calls. For each: run time, time in SVDs (with the default shared spectra, on whichever lane is free of training's
 * GEMM parts), in GEMMs, heap
 * allocated and GC time, and the ratio of run time to the run's FLOPs at the ceiling rate.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time the Figure-1 run and its depth-5 and sigmoid variants against this machine's "
                + "dgemm/sgemm ceilings (numbers for the README).")
public final class BenchCommand implements Callable<Integer> {
    /**
     * The configurations: Figure 1, five layers, and the sigmoid network of Figure 2 (with its mean loss and
     * step of 0.01: with Figure 1's sum loss and 0.05 it diverges at once).
     */
    static final String[][] CONFIGS = {
        {"figure-1", "1000-500-250:linear"},
        {"depth-5", "1000-800-600-450-350-250:linear"},
        {"sigmoid", "1000-500-250:sigmoid", "mean", "0.01"}};

    @Option(names = "--configs", defaultValue = "figure-1,depth-5,sigmoid", split = ",",
            description = "Which of figure-1, depth-5, sigmoid (default: all), or NAME=ARCHITECTURE for another.")
    List<String> configs;

    @Option(names = "--ceiling-seconds", defaultValue = "2", description = "Seconds of each GEMM ceiling measurement.")
    double ceilingSeconds;

    @Option(names = "--line-ceiling-seconds", defaultValue = "1",
            description = "Seconds of the GEMM ceiling measured right before and right after each line's runs, in its "
                    + "precision (the line ratio); 0: none.")
    double lineCeilingSeconds;

    @Option(names = "--samples", defaultValue = "1000")
    int samples;

    @Option(names = "--epochs", defaultValue = "50")
    int epochs;

    @Option(names = "--checkpoint-every", defaultValue = "1")
    int checkpointEvery;

    @Option(names = "--noise", defaultValue = "none,gradient", split = ",",
            description = "Noise types (gradient at sigma 0.01); configurations after the first run the first only.")
    List<String> noises;

    @Option(names = "--paths", defaultValue = "direct,sufficient-statistics", split = ",",
            description = "direct and/or sufficient-statistics (linear networks only).")
    List<String> paths;

    @Option(names = "--precisions", defaultValue = "float64,float32", split = ",",
            description = "float64 and/or float32: every one for the first configuration and noise, the first one for the rest.")
    List<String> precisions;

    @Option(names = "--repeat", defaultValue = "2",
            description = "Timed runs per line: the table shows the fastest, and a list after it every run and their median.")
    int repeat;

    @Option(names = "--spectra", defaultValue = "shared",
            description = "Where the checkpoint SVDs run: shared (the default), batched, alongside or in-line (see train --help).")
    String spectra;

    private Trainer.SpectraMode mode;

    @Option(names = "--threads", defaultValue = "0",
            description = "ND4J compute threads while training (0: every core, less one with --spectra alongside).")
    int threads;

    @Override
    public Integer call() {
        List<Line> lines = lines();
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "machine: %d cores, %s; Java %s; OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s "
                + "%s=%s; SVDs: %s; OpenBLAS buffers: %s%n", cores, cpuModel(), System.getProperty("java.version"),
                System.getenv("OMP_NUM_THREADS"), System.getenv("OPENBLAS_NUM_THREADS"), BlasCheck.CORETYPE,
                System.getenv(BlasCheck.CORETYPE), NativeLinalg.describe(), BlasBuffers.describe());
        BlasCheck.verify();
        double[] before = ceilings(cores);
        mode = Trainer.SpectraMode.parse("--spectra", spectra);
        int train = ComputeThreads.forSingleRun(threads, mode == Trainer.SpectraMode.ALONGSIDE);
        System.out.printf(Locale.ROOT, "%d epochs, %d samples, checkpoint every %d; %d training thread(s)%s; "
                + "best of %d%n", epochs, samples, checkpointEvery, train,
                mode == Trainer.SpectraMode.IN_LINE ? ", SVDs in line"
                        : mode == Trainer.SpectraMode.SHARED ? ", SVDs shared: " + train + " lanes take parts of the GEMMs "
                                + "and the SVDs, BLAS one thread each"
                        : ", SVDs " + mode.label() + " on a pool of " + cores + " threads", repeat);
        List<Measured> results = new ArrayList<>();
        Trainer.countGemmTime(true);
        try {
            for (Line line : lines) {
                Dataset data = DataLoader.load(line.config.data);
                Trainer.run(line.config.toBuilder().epochs(2).build(), data, mode, line.path); // warm-up
                double ceilingBefore = lineCeiling(line, cores, train);
                Measured best = null;
                long[] walls = new long[repeat];
                for (int i = 0; i < repeat; i++) {
                    Measured m = measure(line, data);
                    walls[i] = m.result.wallMs;
                    if (best == null || m.result.wallMs < best.result.wallMs) {
                        best = m;
                    }
                }
                best.walls = walls;
                best.lineCeiling = Math.max(ceilingBefore, lineCeiling(line, cores, train));
                results.add(best);
                System.out.printf(Locale.ROOT, "  %s %s %s %s: %d ms%n", line.name, line.config.noise, best.result.path,
                        line.config.precision, best.result.wallMs);
            }
        } finally {
            Trainer.countGemmTime(false);
        }
        // the ceilings again after the runs: on a shared machine the rate moves, and the higher is the ceiling
        double[] after = ceilings(cores);
        double dgemm = Math.max(before[0], after[0]);
        double sgemm = Math.max(before[1], after[1]);
        System.out.printf(Locale.ROOT, "ceilings (the higher of before and after): dgemm %.1f GFLOP/s, sgemm %.1f GFLOP/s%n",
                dgemm, sgemm);
        System.out.printf(Locale.ROOT, "%-9s %-8s %-21s %-7s %8s %8s %8s %9s %7s %7s %8s %6s %6s %6s %5s %s%n",
                "config", "noise", "path", "prec", "run ms", "SVD ms", "GEMM ms", "alloc MB", "GC ms", "GFLOP", "floor ms",
                "ratio", "l.ceil", "l.rat", "rank", "status");
        double[] floors = new double[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            Measured best = results.get(i);
            RunResult r = best.result;
            // the model's count, with the layers' rank decisions as done rather than as an SVD each
            double flops = FlopModel.run(line.config, samples, line.path == Trainer.Path.SUFFICIENT_STATISTICS)
                    - FlopModel.layerRankSvds(line.config) + r.layerRankFlops;
            double ceiling = line.config.precision == Precision.FLOAT32 ? sgemm : dgemm;
            double floorMs = flops / (ceiling * 1e9) * 1e3;
            floors[i] = floorMs;
            double lineRatio = best.lineCeiling > 0 ? r.wallMs / (flops / (best.lineCeiling * 1e9) * 1e3) : Double.NaN;
            System.out.printf(Locale.ROOT,
                    "%-9s %-8s %-21s %-7s %8d %8d %8.0f %9.1f %7d %7.1f %8.0f %6.2f %6.1f %6.2f %5d %s%n",
                    line.name, line.config.noise, r.path, line.config.precision, r.wallMs, r.svdMs,
                    best.gemmNanos / 1e6, r.heapAllocatedBytes / 1e6, best.gcMs, flops / 1e9, floorMs,
                    r.wallMs / floorMs, best.lineCeiling, lineRatio, r.finalRank, r.status);
        }
        System.out.println("SVD ms: values-only SVDs and rank decisions of R and every W_i, summed over the threads "
                + "that ran them; alloc MB: heap allocated by the training thread; GFLOP: the run's work, "
                + "the layers' rank decisions counted as done; floor: those FLOPs at the ceiling rate of its precision; "
                + "ratio = run / floor; l.ceil: the GEMM rate of its precision measured right before and after the "
                + "line's runs (the higher; GFLOP/s), l.rat: the ratio against it (the same spell of this machine).");
        if (repeat > 1) {
            // the table shows each line's fastest run; on a noisy machine the spread says as much
            System.out.println("every timed run of each line (ms), in order; their median and its ratio to the floor:");
            for (int i = 0; i < lines.size(); i++) {
                Line line = lines.get(i);
                long[] walls = results.get(i).walls;
                StringBuilder runs = new StringBuilder();
                for (long w : walls) {
                    runs.append(runs.length() == 0 ? "" : " ").append(w);
                }
                double median = median(walls);
                System.out.printf(Locale.ROOT, "%-9s %-8s %-21s %-7s runs %s median %.0f ratio %.2f%n", line.name,
                        line.config.noise, results.get(i).result.path, line.config.precision, runs, median,
                        median / floors[i]);
            }
        }
        return 0;
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(long[] values) {
        long[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

    /**
     * The 1000^3 GEMM rate of the line's precision on every core through the trainer's OpenBLAS, measured for
     * {@link #lineCeilingSeconds} (0 when that is 0); the BLAS threads go back to {@code train} after.
     */
    private double lineCeiling(Line line, int cores, int train) {
        if (lineCeilingSeconds <= 0) {
            return 0;
        }
        ComputeThreads.blas(cores);
        try {
            return Ceiling.nd4jGemm(1000,
                    line.config.precision == Precision.FLOAT32 ? DataType.FLOAT : DataType.DOUBLE, lineCeilingSeconds);
        } finally {
            ComputeThreads.blas(train);
        }
    }

    /** The dgemm and sgemm rates on every core (1000^3 GEMMs, through the trainer's OpenBLAS and netlib's), printed. */
    private double[] ceilings(int cores) {
        ComputeThreads.set(cores, "ceiling: every core");
        double dgemm = Math.max(Ceiling.nd4jGemm(1000, DataType.DOUBLE, ceilingSeconds),
                Ceiling.netlibDgemm(1000, ceilingSeconds));
        double sgemm = Ceiling.nd4jGemm(1000, DataType.FLOAT, ceilingSeconds);
        System.out.printf(Locale.ROOT, "ceilings (1000^3 GEMM on %d threads, the trainer's OpenBLAS): dgemm %.1f GFLOP/s, "
                + "sgemm %.1f GFLOP/s%n", cores, dgemm, sgemm);
        return new double[] {dgemm, sgemm};
    }

    /** One line of the table: a configuration on one path. */
    private static final class Line {
        final String name;
        final RunConfig config;
        final Trainer.Path path;

        Line(String name, RunConfig config, Trainer.Path path) {
            this.name = name;
            this.config = config;
            this.path = path;
        }
    }

    private static final class Measured {
        final RunResult result;
        final long gemmNanos;
        final long gcMs;
        /** The line's ceiling (see {@link #lineCeiling}); 0 when not measured. */
        double lineCeiling;
        /** Every timed run's wall time, in order. */
        long[] walls;

        Measured(RunResult result, long gemmNanos, long gcMs) {
            this.result = result;
            this.gemmNanos = gemmNanos;
            this.gcMs = gcMs;
        }
    }

    private Measured measure(Line line, Dataset data) {
        long gemm0 = Trainer.gemmNanos();
        long gc0 = gcMillis();
        RunResult r = Trainer.run(line.config, data, mode, line.path);
        return new Measured(r, Trainer.gemmNanos() - gemm0, gcMillis() - gc0);
    }

    private List<Line> lines() {
        List<Line> out = new ArrayList<>();
        List<String[]> selected = selected();
        for (String[] config : selected) {
            boolean first = config == selected.get(0);
            for (String noise : first ? noises : noises.subList(0, 1)) {
                for (String precision : first && noise.equals(noises.get(0)) ? precisions : precisions.subList(0, 1)) {
                    Precision p = Precision.parse("--precisions", precision);
                    RunConfig.Builder b = RunConfig.builder().architecture(config[1]);
                    if (config.length > 2) {
                        b.loss(org.ranksweep.trainer.config.LossKind.parse("loss", config[2]))
                                .learningRate(Double.parseDouble(config[3]));
                    } else {
                        b.learningRate(0.05);
                    }
                    RunConfig c = b.noise(NoiseType.parse("--noise", noise)).sigma(0.01).precision(p)
                            .init(InitScheme.BALANCED_LOW_RANK).initRank(Math.min(10, b.build().fullRank()))
                            .initScale(0.1)
                            .epochs(epochs).checkpointEvery(checkpointEvery).seed(0)
                            .data(DataSpec.synthetic(0, 0, samples, 7, DataSpec.DEFAULT_TEACHER_NOISE)).build();
                    for (String path : paths) {
                        Trainer.Path tp = parsePath(path);
                        if (tp == Trainer.Path.SUFFICIENT_STATISTICS && !c.sufficientStatisticsApply()) {
                            continue;
                        }
                        out.add(new Line(config[0], c, tp));
                    }
                }
            }
        }
        return out;
    }

    /** The configurations asked for, in the order of {@link #CONFIGS}, then the NAME=ARCHITECTURE ones. */
    private List<String[]> selected() {
        List<String[]> out = new ArrayList<>();
        for (String[] known : CONFIGS) {
            if (configs.contains(known[0])) {
                out.add(known);
            }
        }
        for (String c : configs) {
            int eq = c.indexOf('=');
            if (eq > 0) {
                out.add(new String[] {c.substring(0, eq), c.substring(eq + 1)});
            } else if (!isKnown(c)) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new BenchCommand()),
                        "--configs: expected figure-1, depth-5, sigmoid or NAME=ARCHITECTURE, got '" + c + "'");
            }
        }
        return out;
    }

    private static boolean isKnown(String name) {
        for (String[] known : CONFIGS) {
            if (known[0].equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static Trainer.Path parsePath(String s) {
        for (Trainer.Path p : new Trainer.Path[] {Trainer.Path.DIRECT, Trainer.Path.SUFFICIENT_STATISTICS}) {
            if (p.label().equals(s)) {
                return p;
            }
        }
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new BenchCommand()),
                "--paths: expected direct or sufficient-statistics, got '" + s + "'");
    }

    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    private static String cpuModel() {
        try {
            for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: the model is only a label
        }
        return System.getProperty("os.arch");
    }
}
