package org.ranksweep.trainer.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.Dataset;
import org.ranksweep.trainer.linalg.ComputeThreads;
import org.ranksweep.trainer.linalg.NativeLinalg;
import org.ranksweep.trainer.train.RunResult;
import org.ranksweep.trainer.train.RunStatus;
import org.ranksweep.trainer.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sweep train}: one configuration, no Spark. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one configuration and print its rank trajectory.")
public class TrainCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;

    @Option(names = "--json", description = "Print the configuration and result as JSON instead of a table.")
    boolean json;

    @Option(names = "--spectra", defaultValue = "shared",
            description = "Where the checkpoints' SVDs run: shared (the default: every core takes parts of training's "
                    + "GEMMs and, between them, the spectra), batched (held, then on every core while training waits), "
                    + "alongside (on a pool while training goes on with one core less) or in-line.")
    String spectra;

    @Option(names = "--threads", defaultValue = "0",
            description = "ND4J compute threads while training (0: every core, less one with --spectra alongside).")
    int threads;

    /** The configuration to train: from the flags here; a subclass may take it from elsewhere. */
    protected RunConfig config() {
        return options.toConfig();
    }

    /** The data of {@code config}: loaded or generated here; a subclass may supply them otherwise. */
    protected Dataset dataset(RunConfig config) {
        return DataLoader.load(config.data);
    }

    @Override
    public Integer call() throws Exception {
        RunConfig config = config();
        Trainer.SpectraMode mode = Trainer.SpectraMode.parse("--spectra", spectra);
        ComputeThreads.forSingleRun(threads, mode == Trainer.SpectraMode.ALONGSIDE);
        RunResult result = Trainer.run(config, dataset(config), mode);
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("config", config.toMap());
            doc.put("linalg", NativeLinalg.describe());
            doc.put("result", result);
            System.out.println(Json.mapper().writeValueAsString(doc));
        } else {
            TrajectoryTable.print(config, result, System.out);
        }
        return result.status == RunStatus.FAILED ? 1 : 0;
    }
}
