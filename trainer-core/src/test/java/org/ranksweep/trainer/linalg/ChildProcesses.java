package org.ranksweep.trainer.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** C built by gcc, and child processes (a JVM on this one's classpath, or a built program), for the native tests. */
final class ChildProcesses {
    /** Time allowed to gcc, a C test or a child JVM. */
    static final long TIMEOUT_SECONDS = 180;

    private ChildProcesses() {
    }

    /** {@code source} (relative to the module) built by gcc with {@code flags} into {@code dir/name}; null where there is no gcc. */
    static Path gcc(Path dir, String name, String source, String... flags) throws Exception {
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

    /** The command line of a JVM like this one running {@code main}. */
    static List<String> java(Class<?> main) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), main.getName());
    }

    /** What {@code cmd} prints (stripped) with {@code env} added to this JVM's environment; it must exit 0. */
    static String run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
