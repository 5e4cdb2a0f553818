package org.ranksweep.sweep.cli;

import java.nio.file.Path;
import org.ranksweep.sweep.grid.Grid;
import org.ranksweep.sweep.grid.GridException;
import org.ranksweep.sweep.grid.GridParser;
import org.ranksweep.trainer.cli.TrainCommand;
import org.apache.spark.sql.SparkSession;
import org.ranksweep.sweep.spark.ParquetData;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.Dataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sweep train}: one configuration from flags, or run N of a grid file ({@code --grid FILE --index N}). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one configuration (from flags, or --grid FILE --index N) and print its rank trajectory.")
public final class GridTrainCommand extends TrainCommand {
    @Option(names = "--grid", description = "A grid file; with --index, train its run N (see `sweep plan`).")
    Path grid;

    @Option(names = "--index", defaultValue = "-1", description = "Which run of --grid (0-based).")
    long index;

    private Grid parsed;

    /** Parquet data are read with an embedded Spark session (local[1]); the rest as usual. */
    @Override
    protected Dataset dataset(RunConfig config) {
        if (parsed == null || parsed.parquet == null) {
            return super.dataset(config);
        }
        SparkSession spark = SparkSession.builder().master("local[1]").appName("rank-sweep train")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            return ParquetData.readFor(spark, parsed);
        } finally {
            spark.stop();
        }
    }

    @Override
    protected RunConfig config() {
        if (grid == null) {
            if (index >= 0) {
                throw new GridException("--index", "needs --grid", index);
            }
            return super.config();
        }
        Grid g = GridParser.parse(grid);
        parsed = g;
        if (index < 0 || index >= g.size()) {
            throw new GridException("--index", "must be between 0 and " + (g.size() - 1) + " for " + grid, index);
        }
        return g.config(index);
    }
}
