package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each way of loading LAPACK works and says what it is: the path a fresh machine without system
 * OpenBLAS takes (ND4J's OpenBLAS) and the pure-Java fallback. Each runs in its own JVM, since the
 * choice is made once per process.
 */
class NativeLinalgTest {
    /** A 2 x 3 matrix's singular values, to a few ulps. */
    private static final double SV_TOL = 1e-14;

    @ParameterizedTest
    @CsvSource({"nd4j, true, ND4J's OpenBLAS", "java, false, pure-Java LAPACK"})
    void everyLoaderComputesTheSameSpectrum(String mode, boolean expectNative, String described) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("-Dranksweep.lapack=" + mode);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(NativeLinalgProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe timed out: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("native=" + expectNative), out);
        assertTrue(out.contains(described), out);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("sv=([^,\\s]+),(\\S+)").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(3.0, Double.parseDouble(m.group(1)), SV_TOL, out);
        assertEquals(2.0, Double.parseDouble(m.group(2)), SV_TOL, out);
    }
}
