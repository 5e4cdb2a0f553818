package org.ranksweep.trainer.cli;

import org.ranksweep.trainer.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The single-run commands ({@code train}, {@code dataset}) without Spark. Exit codes: 0 success, 2 input
 * refused (message names the field and the value), 1 anything else.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, version = "rank-sweep trainer-core",
        subcommands = {TrainCommand.class, DatasetCommand.class, BenchCommand.class},
        description = "How noise moves the rank of a deep network's weight product.")
public final class TrainerCli {
    public static final int EXIT_REFUSED = 2;
    public static final int EXIT_FAILED = 1;

    public static void main(String[] args) {
        System.exit(execute(new CommandLine(new TrainerCli()), args));
    }

    /** Runs {@code cmd} with the product's exit-code and error-message conventions. */
    public static int execute(CommandLine cmd, String[] args) {
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ConfigException) {
                commandLine.getErr().println("error: " + ex.getMessage());
                return EXIT_REFUSED;
            }
            if (ex instanceof org.ranksweep.trainer.linalg.BlasCheck.Fault) {
                // the machine's, not the program's: what differed and what to set says it all
                commandLine.getErr().println("error: " + ex.getMessage());
                return EXIT_FAILED;
            }
            commandLine.getErr().println("error: " + ex);
            ex.printStackTrace(commandLine.getErr());
            return EXIT_FAILED;
        });
        return cmd.execute(args);
    }
}
