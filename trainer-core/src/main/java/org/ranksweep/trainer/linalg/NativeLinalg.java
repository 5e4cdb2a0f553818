package org.ranksweep.trainer.linalg;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the native library behind netlib-java (dev.ludovic.netlib) before its first use, and says
 * once in the log what was chosen.
 *
 * <p>Order (system property {@code ranksweep.lapack} = {@code auto} by default):
 * <ol>
 * <li>{@code system}: the machine's {@code liblapack.so.3} / {@code libblas.so.3}. On Debian,
 *     {@code apt-get install libopenblas0-pthread} makes these OpenBLAS, the fastest path measured.</li>
 * <li>{@code nd4j}: the OpenBLAS that ND4J's javacpp already unpacked ({@code libopenblas.so.0} in its
 *     cache); needs no system package at all.</li>
 * <li>{@code java}: netlib's pure-Java fallback (about 10-25x slower for the SVD); logged as a warning
 *     with what to install.</li>
 * </ol>
 * {@code auto} takes the system library when one is found, else ND4J's. Explicit
 * {@code -Ddev.ludovic.netlib.lapack.nativeLib=...} always wins.
 */
public final class NativeLinalg {
    private static final Logger LOG = LoggerFactory.getLogger(NativeLinalg.class);
    private static final String BLAS_PROP = "dev.ludovic.netlib.blas.nativeLib";
    private static final String LAPACK_PROP = "dev.ludovic.netlib.lapack.nativeLib";
    private static final String[] LIB_DIRS = {
        "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64"};

    private static volatile String description;
    /** Held so the level sticks: netlib's own JUL warnings about each loader it tries are noise. */
    private static final java.util.logging.Logger NETLIB_JUL = java.util.logging.Logger.getLogger("dev.ludovic.netlib");

    private NativeLinalg() {
    }

    /** The LAPACK instance, configured on first call. */
    public static LAPACK lapack() {
        configure();
        return LAPACK.getInstance();
    }

    /** The BLAS instance, configured on first call. */
    public static BLAS blas() {
        configure();
        return BLAS.getInstance();
    }

    /** What netlib-java runs on, e.g. {@code native (system liblapack.so.3)}. */
    public static String describe() {
        configure();
        return description;
    }

    /** Whether LAPACK runs natively (false means the pure-Java fallback). */
    public static boolean isNative() {
        return lapack().getClass().getSimpleName().startsWith("JNI");
    }

    private static synchronized void configure() {
        if (description != null) {
            return;
        }
        NETLIB_JUL.setLevel(java.util.logging.Level.SEVERE);
        String mode = System.getProperty("ranksweep.lapack", "auto");
        String source;
        if (System.getProperty(LAPACK_PROP) != null) {
            source = "-D" + LAPACK_PROP + "=" + System.getProperty(LAPACK_PROP);
        } else if ("java".equals(mode)) {
            System.setProperty(LAPACK_PROP, "ranksweep-disabled-native-lapack");
            System.setProperty(BLAS_PROP, "ranksweep-disabled-native-blas");
            source = "pure Java (ranksweep.lapack=java)";
        } else {
            String system = findSystemLapack();
            if (system != null && !"nd4j".equals(mode)) {
                source = "system " + system;
            } else {
                String nd4j = nd4jOpenBlas();
                if (nd4j != null) {
                    System.setProperty(LAPACK_PROP, nd4j);
                    System.setProperty(BLAS_PROP, nd4j);
                    source = "ND4J's OpenBLAS " + nd4j;
                } else {
                    source = "no native library found";
                }
            }
        }
        String lapackImpl = LAPACK.getInstance().getClass().getSimpleName();
        String blasImpl = BLAS.getInstance().getClass().getSimpleName();
        if (lapackImpl.startsWith("JNI")) {
            description = "native LAPACK (" + source + "), BLAS " + blasImpl;
            LOG.info("netlib-java: {}", description);
        } else {
            description = "pure-Java LAPACK " + lapackImpl + " (" + source + ")";
            LOG.warn("netlib-java: {}. SVDs will be 10-25x slower. Install native OpenBLAS "
                    + "(Debian: apt-get install libopenblas0-pthread) or run with -Dranksweep.lapack=nd4j.",
                    description);
        }
    }

    private static String findSystemLapack() {
        List<String> dirs = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(File.pathSeparator)) {
                if (!d.isEmpty()) {
                    dirs.add(d);
                }
            }
        }
        dirs.addAll(List.of(LIB_DIRS));
        for (String d : dirs) {
            File f = new File(d, "liblapack.so.3");
            if (f.exists() && new File(d, "libblas.so.3").exists()) {
                return f.getPath();
            }
        }
        return null;
    }

    /** Path of libopenblas.so.0 that javacpp unpacks for ND4J (with LAPACK inside), or null. */
    private static String nd4jOpenBlas() {
        try {
            Class<?> presets = Class.forName("org.bytedeco.openblas.global.openblas");
            String jni = org.bytedeco.javacpp.Loader.load(presets);
            if (jni == null) {
                return null;
            }
            File lib = new File(new File(jni).getParentFile(), "libopenblas.so.0");
            return lib.exists() ? lib.getPath() : null;
        } catch (Throwable t) {
            LOG.debug("ND4J's OpenBLAS not available", t);
            return null;
        }
    }
}
