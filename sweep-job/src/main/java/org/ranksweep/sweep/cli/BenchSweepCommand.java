package org.ranksweep.sweep.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ranksweep.sweep.grid.Grid;
import org.ranksweep.sweep.grid.GridParser;
import org.ranksweep.sweep.spark.SweepJob;
import org.ranksweep.trainer.bench.FlopModel;
import org.ranksweep.trainer.config.ConfigException;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.linalg.ComputeThreads;
import org.ranksweep.trainer.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sweep bench-sweep GRID}: the sweep machinery's own cost. Runs the grid per master, in one JVM,
 * each time on a fresh Spark session and an empty output folder: first {@code --warmup} untimed passes
 * (the JIT compiling Spark, Parquet and the trainer is a per-JVM cost, reported by the first of them),
 * then {@code --repeat} timed passes per master, the masters taking turns so that a slow spell of the
 * machine or late JIT work does not fall on one of them. It prints every timed pass, then per master the
 * median pass and the fastest one (see {@link #fastest}): end-to-end wall, session start, training phase,
 * the runs' own time, the scheduling overhead per run ((phase x slots - runs' own time) / runs), the
 * makespan ratio (phase over runs' time / slots; 1 is perfect packing), the JIT's compile time during the
 * pass, the CPU time of the runs and of everything else in the JVM during the training phase, and the
 * speed-up over the first master.
 *
 * <p>After each timed pass, the same runs are trained again without Spark ({@code --no-plain} skips it):
 * on as many plain Java threads as the pass had task slots, costliest first, each thread taking the next
 * run. Their speed-up is what this machine's cores give these runs with no sweep machinery at all, the
 * ceiling for the sweep's own; it is printed beside it.
 */
@Command(name = "bench-sweep", mixinStandardHelpOptions = true,
        description = "Time a grid's sweep at several masters (default local[1] and local[2]) in one JVM.")
public final class BenchSweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "GRID.yaml", defaultValue = "examples/bench-sweep.yaml")
    Path grid;

    @Option(names = "--masters", split = ",", defaultValue = "local[1],local[2]",
            description = "Masters to time, in order (default: ${DEFAULT-VALUE}).")
    List<String> masters = new ArrayList<>();

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N",
            description = "Untimed passes first, on the last master (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeat", defaultValue = "3", paramLabel = "N",
            description = "Timed passes per master, masters in turn; the median and the fastest are reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--plain", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "After each timed pass, train the same runs on as many plain threads without Spark: "
                    + "the machine's own scaling for them (default: on; --no-plain skips it).")
    boolean plain = true;

    private static final String HEAD = "%-10s %5s %6s %8s %8s %9s %9s %12s %9s %7s %9s %9s %8s %8s %10s %9s%n";
    private static final String ROW =
            "%-10s %5d %6d %8.1f %8.1f %9.1f %9.1f %12.1f %9.3f %7.1f %9.1f %9.1f %7.2fx %7.2fx %10.2f %9.2f%n";

    @Override
    public Integer call() throws Exception {
        if (masters.isEmpty()) {
            throw new ConfigException("--masters", "needs at least one master", "");
        }
        if (repeat < 1) {
            throw new ConfigException("--repeat", "must be at least 1", repeat);
        }
        if (warmup < 0) {
            throw new ConfigException("--warmup", "must be at least 0", warmup);
        }
        Path root = Files.createTempDirectory("rank-sweep-bench-");
        try {
            String last = masters.get(masters.size() - 1);
            for (int w = 0; w < warmup; w++) {
                Pass p = once(root.resolve("warmup" + w), last);
                System.out.printf(Locale.ROOT, "warm-up pass %d (%s%s): %.1f s end to end, training phase %.1f s, runs' "
                        + "own time %.1f s, JIT %.1f s%n", w + 1, last, w == 0 ? ", a fresh JVM's cost" : "",
                        p.o.wallMs / 1e3, p.o.trainPhaseMs / 1e3, p.o.runMsSum / 1e3, p.jitMs / 1e3);
            }
            System.out.printf(Locale.ROOT, HEAD, "master", "slots", "runs", "wall s", "start s", "phase s", "runs s",
                    "overhead ms", "makespan", "JIT s", "runs CPU", "other CPU", "speedup", "(phase)", "native MB",
                    "heap MB");
            List<List<Pass>> passes = new ArrayList<>();
            List<List<Long>> plainMs = new ArrayList<>();
            for (int i = 0; i < masters.size(); i++) {
                passes.add(new ArrayList<>());
                plainMs.add(new ArrayList<>());
            }
            RunConfig[] g = plain ? plainRuns() : null;
            for (int r = 0; r < repeat; r++) {
                for (int i = 0; i < masters.size(); i++) {
                    Pass p = once(root.resolve("r" + r + "m" + i), masters.get(i));
                    passes.get(i).add(p);
                    print(masters.get(i), p, passes.get(0).get(0));
                    if (g != null) {
                        int[] trained = new int[1];
                        long ms = plainPass(g, p.o.slots, trained);
                        plainMs.get(i).add(ms);
                        System.out.printf(Locale.ROOT, "  without Spark, %d thread(s): %d runs in %.1f s, speed-up %.2fx%n",
                                p.o.slots, trained[0], ms / 1e3, plainMs.get(0).get(0) / (double) ms);
                    }
                }
            }
            if (repeat > 1) {
                System.out.println("median of " + repeat + " passes:");
                Pass first = median(passes.get(0));
                for (int i = 0; i < masters.size(); i++) {
                    print(masters.get(i), median(passes.get(i)), first);
                }
                System.out.println("fastest of " + repeat + " passes:");
                first = fastest(passes.get(0));
                for (int i = 0; i < masters.size(); i++) {
                    print(masters.get(i), fastest(passes.get(i)), first);
                }
            }
            if (g != null) {
                speedUps("median", passes, plainMs, BenchSweepCommand::median, BenchSweepCommand::medianOf);
                if (repeat > 1) {
                    speedUps("fastest", passes, plainMs, BenchSweepCommand::fastest, BenchSweepCommand::fastestOf);
                }
            }
            System.out.println("overhead = (phase x slots - runs' own time) / runs; makespan = phase x slots / runs' own "
                    + "time; JIT = the JIT compilers' time during the pass; runs CPU = the task threads' CPU time in "
                    + "runs (s); other CPU = the rest of this JVM's CPU time during the training phase (driver, "
                    + "committer, Spark, JIT, GC; s); speedup = first master's wall (training "
                    + "phase) / this one's; native MB = peak off-heap memory of one task (its largest run's data, "
                    + "weights and buffers); heap MB = most heap one run allocated");
        } finally {
            deleteTree(root);
        }
        return 0;
    }

    /** One pass's outcome and the JIT compile time spent during it. */
    private static final class Pass {
        final SweepJob.Outcome o;
        final long jitMs;

        Pass(SweepJob.Outcome o, long jitMs) {
            this.o = o;
            this.jitMs = jitMs;
        }
    }

    private static void print(String master, Pass p, Pass first) {
        SweepJob.Outcome r = p.o;
        System.out.printf(Locale.ROOT, ROW, master, r.slots, r.trained, r.wallMs / 1e3, r.sessionMs / 1e3,
                r.trainPhaseMs / 1e3, r.runMsSum / 1e3, r.overheadPerRunMs(), r.makespanRatio(), p.jitMs / 1e3,
                r.runCpuMs / 1e3,
                // the driver's JVM holds the runs only in local mode
                r.phaseProcessCpuMs < 0 || !master.startsWith("local") ? Double.NaN
                        : (r.phaseProcessCpuMs - r.runCpuMs) / 1e3,
                first.o.wallMs / (double) r.wallMs, first.o.trainPhaseMs / (double) r.trainPhaseMs,
                r.peakRunNativeBytes / 1e6, r.peakRunHeapAllocatedBytes / 1e6);
    }

    /**
     * The grid's runs for the plain passes, costliest first (as the sweep orders them), or null (with a
     * note) when the grid's data needs Spark to read.
     */
    private RunConfig[] plainRuns() {
        Grid g = GridParser.parse(grid);
        if (g.parquet != null) {
            System.out.println("(no passes without Spark: this grid's data is read through Spark)");
            return null;
        }
        int n = Math.toIntExact(g.size());
        RunConfig[] configs = new RunConfig[n];
        double[] cost = new double[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            configs[i] = g.config(i);
            cost[i] = FlopModel.run(configs[i], configs[i].data.samples);
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(cost[b], cost[a]));
        RunConfig[] sorted = new RunConfig[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = configs[order[i]];
        }
        return sorted;
    }

    /**
     * Trains {@code runs} in order on {@code threads} plain threads, each taking the next run, one BLAS
     * thread each as in a Spark task; the wall time in ms, and in {@code trained[0]} the runs trained.
     */
    static long plainPass(RunConfig[] runs, int threads, int[] trained) throws InterruptedException {
        int n = runs.length;
        ComputeThreads.set(1, "per plain thread, as per Spark task");
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread[] ts = new Thread[threads];
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                for (int k = next.getAndIncrement(); k < n && failure.get() == null; k = next.getAndIncrement()) {
                    try {
                        Trainer.run(runs[k]);
                        done.incrementAndGet();
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }, "rank-sweep-plain-" + t);
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (failure.get() != null) {
            throw failure.get();
        }
        trained[0] = done.get();
        return ms;
    }

    /**
     * Per master after the first, the sweep's speed-up and the plain threads' one, both from the passes that
     * {@code pick} chooses (median or fastest, in wall time).
     */
    private void speedUps(String which, List<List<Pass>> passes, List<List<Long>> plainMs,
            java.util.function.Function<List<Pass>, Pass> pick, java.util.function.ToLongFunction<List<Long>> pickMs) {
        long first = pickMs.applyAsLong(plainMs.get(0));
        for (int i = 1; i < masters.size(); i++) {
            long ms = pickMs.applyAsLong(plainMs.get(i));
            double sweep = pick.apply(passes.get(0)).o.wallMs / (double) pick.apply(passes.get(i)).o.wallMs;
            double machine = first / (double) ms;
            System.out.printf(Locale.ROOT, "%s, %s passes: the sweep's speed-up %.2fx (wall); the same runs on plain "
                    + "threads without Spark %.2fx (%.1f s against %.1f s): the sweep gets %.0f%% of it%n",
                    masters.get(i), which, sweep, machine, ms / 1e3, first / 1e3, 100 * sweep / machine);
        }
    }

    private static long fastestOf(List<Long> xs) {
        return java.util.Collections.min(xs);
    }

    /**
     * The pass of least wall time. On a shared VM the other guests only ever slow a pass, and a pass on two
     * cores needs both quiet where one on a single core needs one: the fastest passes compare the masters
     * on the machine itself, the medians in its usual spells.
     */
    static Pass fastest(List<Pass> ps) {
        return java.util.Collections.min(ps, java.util.Comparator.comparingLong((Pass p) -> p.o.wallMs));
    }

    private static long medianOf(List<Long> xs) {
        List<Long> sorted = new ArrayList<>(xs);
        sorted.sort(null);
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** The pass of median training phase (the lower middle one of an even count). */
    static Pass median(List<Pass> ps) {
        List<Pass> sorted = new ArrayList<>(ps);
        sorted.sort(java.util.Comparator.comparingLong((Pass p) -> p.o.trainPhaseMs));
        return sorted.get((sorted.size() - 1) / 2);
    }

    private Pass once(Path out, String master) throws Exception {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        long jit0 = jit.getTotalCompilationTime();
        SweepJob.Options o = new SweepJob.Options();
        o.grid = grid;
        o.out = out.toString();
        o.master = master;
        o.progress = false;
        o.conf.put("spark.ui.enabled", "false");
        SweepJob.Outcome r = SweepJob.run(o);
        return new Pass(r, jit.getTotalCompilationTime() - jit0);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
