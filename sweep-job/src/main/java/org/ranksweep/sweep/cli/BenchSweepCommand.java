package org.ranksweep.sweep.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ranksweep.sweep.spark.SweepJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sweep bench-sweep GRID}: the sweep machinery's own cost. Runs the grid once per master, in one
 * JVM, each on a fresh Spark session and an empty output folder, after an untimed warm-up pass (the
 * JIT compiling Spark, Parquet and the trainer is a per-JVM cost, reported by that pass), and prints
 * per master: end-to-end wall, session start, training phase, the runs' own time, the scheduling
 * overhead per run ((phase x slots - runs' own time) / runs), the makespan ratio (phase over runs'
 * time / slots; 1 is perfect packing) and the speed-up over the first master.
 */
@Command(name = "bench-sweep", mixinStandardHelpOptions = true,
        description = "Time a grid's sweep at several masters (default local[1] and local[2]) in one JVM.")
public final class BenchSweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "GRID.yaml", defaultValue = "examples/bench-sweep.yaml")
    Path grid;

    @Option(names = "--masters", split = ",", defaultValue = "local[1],local[2]",
            description = "Masters to time, in order (default: ${DEFAULT-VALUE}).")
    List<String> masters = new ArrayList<>();

    @Option(names = "--warmup", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Train the grid once first, untimed, on the last master (default: on).")
    boolean warmup;

    @Override
    public Integer call() throws Exception {
        Path root = Files.createTempDirectory("rank-sweep-bench-");
        try {
            if (warmup) {
                SweepJob.Outcome w = once(root.resolve("warmup"), masters.get(masters.size() - 1));
                System.out.printf(Locale.ROOT, "warm-up pass (%s, a fresh JVM's cost): %.1f s end to end, training "
                        + "phase %.1f s, runs' own time %.1f s%n", masters.get(masters.size() - 1), w.wallMs / 1e3,
                        w.trainPhaseMs / 1e3, w.runMsSum / 1e3);
            }
            System.out.printf(Locale.ROOT, "%-10s %5s %6s %8s %8s %9s %9s %12s %9s %8s %8s %10s %9s%n", "master", "slots",
                    "runs", "wall s", "start s", "phase s", "runs s", "overhead ms", "makespan", "speedup", "(phase)",
                    "native MB", "heap MB");
            SweepJob.Outcome first = null;
            for (int i = 0; i < masters.size(); i++) {
                SweepJob.Outcome r = once(root.resolve("m" + i), masters.get(i));
                if (first == null) {
                    first = r;
                }
                System.out.printf(Locale.ROOT,
                        "%-10s %5d %6d %8.1f %8.1f %9.1f %9.1f %12.1f %9.3f %7.2fx %7.2fx %10.2f %9.2f%n",
                        masters.get(i), r.slots, r.trained, r.wallMs / 1e3, r.sessionMs / 1e3, r.trainPhaseMs / 1e3,
                        r.runMsSum / 1e3, r.overheadPerRunMs(), r.makespanRatio(), first.wallMs / (double) r.wallMs,
                        first.trainPhaseMs / (double) r.trainPhaseMs, r.peakRunNativeBytes / 1e6,
                        r.peakRunHeapAllocatedBytes / 1e6);
            }
            System.out.println("overhead = (phase x slots - runs' own time) / runs; makespan = phase x slots / runs' own "
                    + "time; speedup = first master's wall (training phase) / this one's; native MB = peak off-heap "
                    + "memory of one task (its largest run's data, weights and buffers); heap MB = most heap one run "
                    + "allocated");
        } finally {
            deleteTree(root);
        }
        return 0;
    }

    private SweepJob.Outcome once(Path out, String master) throws Exception {
        SweepJob.Options o = new SweepJob.Options();
        o.grid = grid;
        o.out = out.toString();
        o.master = master;
        o.progress = false;
        o.conf.put("spark.ui.enabled", "false");
        return SweepJob.run(o);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
