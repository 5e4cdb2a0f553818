package org.ranksweep.trainer.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.ranksweep.trainer.config.ConfigException;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataAnalysis;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.Dataset;
import org.ranksweep.trainer.data.Npy;
import org.ranksweep.trainer.train.DataReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sweep dataset}: writes the data exactly as the trainer sees them, one sample per row, so anyone
 * can check them: {@code --out FILE.npz} (arrays {@code x} and {@code y}, {@code numpy.load(FILE)['x']}),
 * or {@code --x-out X.npy --y-out Y.npy}.
 */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Write the synthetic dataset of a configuration as .npy/.npz, and check it.")
public final class DatasetCommand implements Callable<Integer> {
    @Mixin
    RunOptions options;

    @Option(names = "--out", description = "An .npz file holding x (m x d_x) and y (m x d_y).")
    String out;

    @Option(names = "--x-out", description = "An .npy file for X (m x d_x).")
    String xOut;

    @Option(names = "--y-out", description = "An .npy file for Y (m x d_y).")
    String yOut;

    @Override
    public Integer call() throws IOException {
        if (out == null && (xOut == null || yOut == null)) {
            throw new ConfigException("--out", "give --out FILE.npz, or both --x-out and --y-out", out);
        }
        if (out != null && !out.toLowerCase(Locale.ROOT).endsWith(".npz")) {
            throw new ConfigException("--out", "must end in .npz (two arrays); use --x-out/--y-out for .npy", out);
        }
        RunConfig config = options.toConfig();
        Dataset ds = DataLoader.load(config.data);
        if (out != null) {
            writeAtomically(Paths.get(out), stream -> {
                try (ZipOutputStream zip = new ZipOutputStream(stream)) {
                    zip.putNextEntry(new ZipEntry("x.npy"));
                    Npy.write(zip, ds.x, ds.samples, ds.inputs);
                    zip.closeEntry();
                    zip.putNextEntry(new ZipEntry("y.npy"));
                    Npy.write(zip, ds.y, ds.samples, ds.outputs);
                    zip.closeEntry();
                }
            });
        } else {
            writeAtomically(Paths.get(xOut), s -> Npy.write(s, ds.x, ds.samples, ds.inputs));
            writeAtomically(Paths.get(yOut), s -> Npy.write(s, ds.y, ds.samples, ds.outputs));
        }
        DataReport r = new DataReport(DataAnalysis.of(ds), config.widths);
        System.out.printf(Locale.ROOT, "wrote %s: X %d x %d, Y %d x %d (one sample per row), %s%n",
                out != null ? out : xOut + ", " + yOut, ds.samples, ds.inputs, ds.samples, ds.outputs, config.data);
        System.out.printf(Locale.ROOT, "rank(XX^T) = %d of %d, rank(YX^T) = %d, min relative gap of the fit's "
                + "singular values %.3e; Yun et al. data assumptions %s%n", r.xRank, r.inputs, r.yxtRank,
                r.minRelativeGap, r.shapesWithinSamples && r.fullRankMoments && r.distinctSingularValues ? "met"
                        : "NOT met");
        return 0;
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Writes beside the target, then renames: a failed write never leaves a half file. */
    private static void writeAtomically(Path target, Writer w) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            try (OutputStream s = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                w.write(s);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
