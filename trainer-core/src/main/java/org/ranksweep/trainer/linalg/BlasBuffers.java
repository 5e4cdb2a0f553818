package org.ranksweep.trainer.linalg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether OpenBLAS's packing buffers are this process's per-thread ones ({@code src/main/c/blas_buffers.c}, which
 * bin/sweep builds and preloads) or OpenBLAS's own pool, for the logs and the benchmarks' machine line. Nothing
 * here changes them: a preload happens before the JVM starts.
 */
public final class BlasBuffers {
    /** The preloaded library's file name, as bin/sweep builds it. */
    public static final String LIBRARY = "librank-sweep-blas-buffers.so";

    private static volatile String described;

    private BlasBuffers() {
    }

    /** True when the per-thread buffers are mapped into this process. */
    public static boolean preloaded() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.UTF_8)) {
                if (line.endsWith("/" + LIBRARY)) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false; // not Linux, or no /proc: OpenBLAS's pool, as far as anyone can tell
        }
        return false;
    }

    /** "per thread" or "OpenBLAS's one pool", with where to read how to change it. */
    public static String describe() {
        String d = described;
        if (d == null) {
            d = preloaded() ? "per thread (" + LIBRARY + " preloaded)"
                    : "OpenBLAS's one pool (per-thread buffers: README, \"Native libraries\")";
            described = d;
        }
        return d;
    }
}
