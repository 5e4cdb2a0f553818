package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code src/main/c/blas_buffers.c}, the per-thread packing buffers bin/sweep preloads into OpenBLAS: its own tests
 * ({@code src/test/c/blas_buffers_test.c}) on ND4J's OpenBLAS, and a child JVM with it preloaded that passes
 * {@link BlasCheck} and trains on two threads to the bits of this JVM (which has it or not, as launched).
 */
class BlasBuffersTest {
    /** Process timeout for gcc, the C tests and the child JVM. */
    private static final long TIMEOUT_SECONDS = 180;

    @Test
    void theCTestsPassOnNd4jsOpenBlasWithOneAndTwoOpenBlasThreads(@TempDir Path tmp) throws Exception {
        Path shim = gcc(tmp, "librank-sweep-blas-buffers.so", "src/main/c/blas_buffers.c", "-shared", "-fPIC");
        assumeTrue(shim != null, "needs gcc");
        Path test = gcc(tmp, "blas_buffers_test", "src/test/c/blas_buffers_test.c");
        Path openblas = nd4jOpenBlas();
        for (String threads : new String[] {"1", "2"}) {
            List<String> out = run(List.of(test.toString(), openblas.toString()),
                    Map.of("LD_PRELOAD", shim.toString(), "OPENBLAS_NUM_THREADS", threads,
                            "LD_LIBRARY_PATH", openblas.getParent().toString()));
            assertEquals(List.of("ok"), out, threads + " OpenBLAS thread(s)");
        }
    }

    @Test
    void aJvmWithTheBuffersPreloadedPassesTheBlasCheckAndTrainsToTheSameBits(@TempDir Path tmp) throws Exception {
        Path shim = gcc(tmp, "librank-sweep-blas-buffers.so", "src/main/c/blas_buffers.c", "-shared", "-fPIC");
        assumeTrue(shim != null, "needs gcc");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> out = run(List.of(java, "-cp", System.getProperty("java.class.path"),
                BlasBuffersProbe.class.getName()), Map.of("LD_PRELOAD", shim.toString()));
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

    /** {@code source} built by gcc into {@code dir/name}; null where there is no gcc. */
    private static Path gcc(Path dir, String name, String source, String... flags) throws Exception {
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Werror"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-o", out.toString(), Path.of(source).toAbsolutePath().toString(), "-ldl", "-lpthread"));
        Process p;
        try {
            p = new ProcessBuilder(cmd).inheritIO().start();
        } catch (IOException e) {
            return null;
        }
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "gcc " + source);
        return out;
    }

    /** The lines {@code cmd} prints with {@code env} added to this JVM's environment; it must exit 0. */
    private static List<String> run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertNotNull(out);
        return List.of(out.split("\n"));
    }
}
