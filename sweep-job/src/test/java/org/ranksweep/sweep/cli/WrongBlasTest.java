package org.ranksweep.sweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local sweep on a machine whose BLAS computes wrongly (a faulty cblas_dtrmm preloaded into a child JVM in place of
 * OpenBLAS's: trainer-core/src/test/c/wrong_dtrmm.c) stops before it writes anything, saying what differed and what
 * to set.
 */
class WrongBlasTest {
    @Test
    void aSweepOnAWrongBlasStopsBeforeWritingAndSaysWhatToSet(@TempDir Path tmp) throws Exception {
        Path shim = tmp.resolve("libwrong_dtrmm.so");
        try {
            Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", shim.toString(),
                    Path.of("../trainer-core/src/test/c/wrong_dtrmm.c").toAbsolutePath().toString()).inheritIO().start();
            assertTrue(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc");
        } catch (java.io.IOException e) {
            assumeTrue(false, "needs gcc");
        }
        Path out = tmp.resolve("out");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports")) {
                cmd.add(a); // what Spark needs on Java 17, as surefire passes it
            }
        }
        cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), SweepMain.class.getName(), "run",
                "../examples/smoke.yaml", "--out", out.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LD_PRELOAD", shim.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), log);
        assertTrue(log.contains("error: the native BLAS/LAPACK computes wrong results on this machine: cblas_dtrmm"), log);
        assertTrue(log.contains("Set OPENBLAS_CORETYPE=Haswell"), log);
        assertFalse(Files.exists(out), "nothing written");
    }
}
