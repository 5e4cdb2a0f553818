package org.ranksweep.sweep.cli;

import org.ranksweep.trainer.cli.BenchCommand;
import org.ranksweep.trainer.cli.DatasetCommand;
import org.ranksweep.trainer.cli.TrainerCli;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/sweep}: every command. Exit codes: 0 success, 2 input refused (the message names the field
 * or grid path and the value), 1 anything else.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, version = "rank-sweep 0.1.0",
        subcommands = {PlanCommand.class, RunCommand.class, GridTrainCommand.class, DatasetCommand.class, BenchCommand.class,
            BenchSweepCommand.class, ReportCommand.class},
        description = "How noise moves the rank of a deep network's weight product: grids of training runs.")
public final class SweepMain {
    /** Picocli instantiates the top command; tests do too. */
    public SweepMain() {
    }

    public static void main(String[] args) {
        System.exit(TrainerCli.execute(new CommandLine(new SweepMain()), args));
    }
}
