package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code src/main/c/blas_buffers.c}, the per-thread packing buffers bin/sweep preloads into OpenBLAS: its own tests
 * ({@code src/test/c/blas_buffers_test.c}) on ND4J's OpenBLAS, and a child JVM with it preloaded that passes
 * {@link BlasCheck} and trains on two threads to the bits of this JVM (which has it or not, as launched).
 */
class BlasBuffersTest {
    @Test
    void theCTestsPassOnNd4jsOpenBlasWithOneAndTwoOpenBlasThreads(@TempDir Path tmp) throws Exception {
        Path shim = shim(tmp);
        assumeTrue(shim != null, "needs gcc");
        Path test = ChildProcesses.gcc(tmp, "blas_buffers_test", "src/test/c/blas_buffers_test.c");
        Path openblas = nd4jOpenBlas();
        for (String threads : new String[] {"1", "2"}) {
            String out = ChildProcesses.run(List.of(test.toString(), openblas.toString()),
                    Map.of("LD_PRELOAD", shim.toString(), "OPENBLAS_NUM_THREADS", threads,
                            "LD_LIBRARY_PATH", openblas.getParent().toString()));
            assertEquals("ok", out, threads + " OpenBLAS thread(s)");
        }
    }

    @Test
    void aJvmWithTheBuffersPreloadedPassesTheBlasCheckAndTrainsToTheSameBits(@TempDir Path tmp) throws Exception {
        Path shim = shim(tmp);
        assumeTrue(shim != null, "needs gcc");
        List<String> out = List.of(ChildProcesses.run(ChildProcesses.java(BlasBuffersProbe.class),
                Map.of("LD_PRELOAD", shim.toString())).split("\n"));
        assertEquals(3, out.size(), String.join("\n", out));
        assertEquals("ok", out.get(0));
        assertEquals("preloaded", out.get(1));
        assertEquals(BlasBuffersProbe.fingerprint(), out.get(2), "two threads' runs, with and without the buffers");
    }

    /** ND4J's OpenBLAS as this JVM loaded it (javacpp unpacks it into its cache). */
    private static Path nd4jOpenBlas() throws IOException {
        ComputeThreads.set(1, "for the test"); // loads ND4J and its OpenBLAS
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.UTF_8)) {
            int at = line.indexOf('/');
            if (at >= 0 && line.endsWith("libopenblas_nolapack.so.0")) {
                return Path.of(line.substring(at));
            }
        }
        throw new AssertionError("ND4J's libopenblas_nolapack.so.0 is not mapped in this JVM");
    }

    /** {@code src/main/c/blas_buffers.c} built as bin/sweep builds it, into {@code dir}; null where there is no gcc. */
    private static Path shim(Path dir) throws Exception {
        return ChildProcesses.gcc(dir, BlasBuffers.LIBRARY, "src/main/c/blas_buffers.c", "-shared", "-fPIC");
    }
}
