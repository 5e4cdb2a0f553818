package org.ranksweep.sweep.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.ranksweep.sweep.grid.Axis;
import org.ranksweep.sweep.grid.ConfigId;
import org.ranksweep.sweep.grid.Grid;
import org.ranksweep.sweep.grid.GridParser;
import org.ranksweep.trainer.bench.Ceiling;
import org.ranksweep.trainer.bench.FlopModel;
import org.ranksweep.trainer.config.RunConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sweep plan GRID}: validate and expand a grid; count runs; estimate the work. Starts no Spark job. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Validate and expand a grid file: runs per axis and in all, and an estimate of the work.")
public final class PlanCommand implements Callable<Integer> {
    /** Runs sampled for the FLOP estimate of a large grid. */
    static final int SAMPLE = 20_000;
    /** Wall time of a run relative to its FLOPs at the dgemm rate, as `bin/sweep bench` measures (about 2). */
    static final double RUN_OVER_FLOOR = 2.0;

    @Parameters(index = "0", paramLabel = "GRID.yaml")
    Path grid;

    @Option(names = "--rate", defaultValue = "0",
            description = "GFLOP/s to estimate time with (0: measure this machine's dgemm rate for half a second).")
    double rate;

    @Option(names = "--list", defaultValue = "0", description = "Also print the first N runs with their config ids.")
    int list;

    @Override
    public Integer call() {
        Grid g = GridParser.parse(grid);
        long n = g.size();
        System.out.printf(Locale.ROOT, "grid %s (%s)%n", g.name, grid);
        long product = 1;
        for (Axis a : g.axes()) {
            System.out.printf(Locale.ROOT, "  %-18s %,d value%s%n", a.setting.key, a.size(), a.size() == 1 ? "" : "s");
            product = Math.multiplyHigh(product, a.size()) != 0 ? Long.MAX_VALUE : product * a.size();
        }
        System.out.printf(Locale.ROOT, "runs: %,d", n);
        if (product != n) {
            System.out.printf(Locale.ROOT, " (the full product is %,d; settings that do not apply to a noise type "
                    + "or init scheme collapsed)", product);
        }
        System.out.println();
        StringBuilder per = new StringBuilder("runs per noise type:");
        for (Map.Entry<String, Long> e : g.runsPerNoise().entrySet()) {
            per.append(String.format(Locale.ROOT, " %s %,d;", e.getKey(), e.getValue()));
        }
        per.setLength(per.length() - 1);
        System.out.println(per);

        double flops = 0;
        boolean sampled = n > SAMPLE;
        if (sampled) {
            SplittableRandom r = new SplittableRandom(42);
            for (int i = 0; i < SAMPLE; i++) {
                flops += runFlops(g.config(r.nextLong(n)));
            }
            flops *= (double) n / SAMPLE;
        } else {
            for (long i = 0; i < n; i++) {
                flops += runFlops(g.config(i));
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        double gflops = rate > 0 ? rate : Ceiling.netlibDgemm(512, 0.5) * cores;
        double seconds = flops / (gflops * 1e9) * RUN_OVER_FLOOR;
        System.out.printf(Locale.ROOT, "work: %.3g FLOP%s; about %s at %.1f GFLOP/s (%s), runs taking %.0fx "
                + "their FLOPs at that rate as `bench` measures%n", flops, sampled ? " (estimated from " + SAMPLE
                + " sampled runs)" : "", duration(seconds), gflops, rate > 0 ? "--rate" : "one core's dgemm rate "
                + "measured now, times " + cores + " cores", RUN_OVER_FLOOR);
        for (long i = 0; i < Math.min(list, n); i++) {
            RunConfig c = g.config(i);
            System.out.printf(Locale.ROOT, "  #%d %s %s noise=%s sigma=%s seed=%d%n", i,
                    ConfigId.of(c, g.dataFingerprint()), c.architecture(), c.noise, c.sigma, c.seed);
        }
        return 0;
    }

    private static double runFlops(RunConfig c) {
        return FlopModel.run(c, c.data.kind == org.ranksweep.trainer.data.DataSpec.Kind.SYNTHETIC
                ? c.data.samples : 1000);
    }

    static String duration(double s) {
        if (s < 1) {
            return "under a second";
        }
        if (s < 120) {
            return String.format(Locale.ROOT, "%.0f s", s);
        }
        if (s < 7200) {
            return String.format(Locale.ROOT, "%.0f min", s / 60);
        }
        if (s < 172800) {
            return String.format(Locale.ROOT, "%.1f h", s / 3600);
        }
        return String.format(Locale.ROOT, "%.1f days", s / 86400);
    }
}
