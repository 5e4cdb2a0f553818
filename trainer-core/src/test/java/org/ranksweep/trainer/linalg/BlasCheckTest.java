package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The once-per-JVM check of the native BLAS and LAPACK: passes on a right library, names the call on a wrong one. */
class BlasCheckTest {
    @Test
    void theLibrariesTheTestsRunOnPass() {
        assertNull(BlasCheck.problem());
        BlasCheck.verify(); // and the cached verdict does not throw
    }

    @Test
    void anEntryPastTheToleranceIsReportedWithTheCall() {
        double[] want = {1, 2, 3};
        double[] scale = {10, 10, 10};
        assertNull(BlasCheck.compare("x", want, scale, new double[] {1, 2, 3 + 5e-12}, 1e-12));
        String wrong = BlasCheck.compare("cblas_dtrmm(lower, L) of 3 x 1", want, scale, new double[] {1, 2, 3 + 2e-11}, 1e-12);
        assertNotNull(wrong);
        assertTrue(wrong.startsWith("cblas_dtrmm(lower, L) of 3 x 1 is off by 2.00e-11"), wrong);
        assertNotNull(BlasCheck.compare("x", want, scale, new double[] {1, Double.NaN, 3}, 1e-12), "NaN is wrong");
    }

    /** A faulty DTRMM in place of OpenBLAS's (a preloaded library, in a child JVM) is named, with what to set. */
    @Test
    void aWrongDtrmmIsReportedWithWhatToSet(@TempDir Path tmp) throws Exception {
        Path shim = wrongDtrmm(tmp);
        assumeTrue(shim != null, "needs gcc");
        String wrong = probe(Map.of("LD_PRELOAD", shim.toString()));
        assertTrue(wrong.startsWith("the native BLAS/LAPACK computes wrong results on this machine: "
                + "cblas_dtrmm(lower, L) of 72 x 24 is off by"), wrong);
        assertTrue(wrong.contains("or another kernel family if that is the one failing"), wrong);
    }

    /**
     * The fault the check exists for, on the real library: the AVX-512 kernels of ND4J's OpenBLAS, forced in a child
     * JVM, are refused; its AVX2 ones pass. Only on a CPU that has AVX-512 (elsewhere OpenBLAS cannot run them).
     */
    @Test
    void theSkylakeXKernelsOfNd4jsOpenBlasAreRefusedAndHaswellsPass() throws Exception {
        assumeTrue(hasAvx512(), "needs an AVX-512 CPU");
        String forced = probe(Map.of(BlasCheck.CORETYPE, "SkylakeX"));
        assertTrue(forced.contains("cblas_dtrmm(lower, L) of 72 x 24 is off by"), forced);
        assertTrue(forced.contains("(OPENBLAS_CORETYPE=SkylakeX)"), forced);
        assertTrue(forced.contains("Set OPENBLAS_CORETYPE=Haswell"), forced);
        assertEquals("ok", probe(Map.of(BlasCheck.CORETYPE, "Haswell")));
    }

    private static boolean hasAvx512() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return false;
        }
        for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
            if (line.startsWith("flags") && List.of(line.split("\\s+")).contains("avx512f")) {
                return true;
            }
        }
        return false;
    }

    /** {@code src/test/c/wrong_dtrmm.c} built into {@code dir}; null where there is no gcc. */
    static Path wrongDtrmm(Path dir) throws Exception {
        return ChildProcesses.gcc(dir, "libwrong_dtrmm.so", "src/test/c/wrong_dtrmm.c", "-shared", "-fPIC");
    }

    /** What {@link BlasCheckProbe} prints in a JVM started with {@code env} added to this one's environment. */
    private static String probe(Map<String, String> env) throws Exception {
        return ChildProcesses.run(ChildProcesses.java(BlasCheckProbe.class), env);
    }
}
