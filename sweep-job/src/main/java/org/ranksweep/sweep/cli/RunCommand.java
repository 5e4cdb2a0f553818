package org.ranksweep.sweep.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ranksweep.sweep.grid.GridException;
import org.ranksweep.sweep.spark.SweepJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sweep run GRID --out DIR}: the main job. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Train every run of a grid on Spark and write the tables under --out (resumes when re-run).")
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "GRID.yaml")
    Path grid;

    @Option(names = "--out", required = true, description = "Output directory (file:, hdfs:, s3a: URIs or a local path).")
    String out;

    @Option(names = "--master", description = "Spark master; default: the one spark-submit was given, else local[*] "
            + "(embedded, every core).")
    String master;

    @Option(names = "--conf", description = "A Spark setting k=v (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--force", description = "Replace whatever --out holds.")
    boolean force;

    @Option(names = "--append", description = "Add this grid's runs to the tables of another sweep in --out.")
    boolean append;

    @Option(names = "--batch", defaultValue = "0", description = "Runs per commit batch (0: automatic).")
    int batch;

    @Override
    public Integer call() throws Exception {
        if (force && append) {
            throw new GridException("--force", "cannot go with --append", "--force --append");
        }
        SweepJob.Options o = new SweepJob.Options();
        o.grid = grid;
        o.out = out;
        o.master = master;
        o.conf.putAll(conf);
        o.force = force;
        o.append = append;
        o.batchRuns = batch;
        SweepJob.Outcome r = SweepJob.run(o);
        System.out.printf(Locale.ROOT, "sweep done: %d runs in the grid, %d already recorded, %d trained "
                + "(%d diverged, %d failed) in %d batch(es), %.1f s; tables under %s%n", r.total, r.alreadyDone,
                r.trained, r.diverged, r.failed, r.batches, r.wallMs / 1000.0, out);
        if (r.trained > 0) {
            System.out.printf(Locale.ROOT, "training phase %.1f s on %d task slot(s); the runs themselves took %.1f s; "
                    + "overhead %.1f ms per run ((phase x slots - runs) / runs)%n", r.trainPhaseMs / 1000.0, r.slots,
                    r.runMsSum / 1000.0, r.overheadPerRunMs());
        }
        return 0;
    }
}
