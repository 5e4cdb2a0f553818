package org.ranksweep.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs the cluster-config scripts (the tests test the scripts themselves) and reads tables with DuckDB. */
final class Scripts {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path HERE = ROOT.resolve("cluster-config");

    private Scripts() {
    }

    /** A finished script: exit code, stdout, stderr. */
    record Result(int code, String out, String err) {
    }

    static ProcessBuilder builder(Path log, String... cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().remove("SPARK_HOME");
        if (log != null) {
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
        }
        return pb;
    }

    /** Runs a command to its end (at most {@code minutes}); stdout and stderr kept apart. */
    static Result run(long minutes, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("script", ".out");
        Path err = Files.createTempFile("script", ".err");
        try {
            Process p = builder(null, cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + minutes + " min: " + Arrays.toString(cmd) + "\n"
                        + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Connection duck() throws SQLException {
        return DriverManager.getConnection("jdbc:duckdb:");
    }

    static String table(Path out, String t) {
        return "read_parquet('" + out.resolve(t) + "/**/*.parquet', hive_partitioning = true)";
    }

    static List<Map<String, Object>> query(Connection c, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static long count(Connection c, String sql) throws SQLException {
        return ((Number) query(c, sql).get(0).values().iterator().next()).longValue();
    }

    /** Parquet files in the runs table (each committed batch adds at least one). */
    static long committedFiles(Path out) throws IOException {
        Path runs = out.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(runs)) {
            return s.filter(f -> f.toString().endsWith(".parquet")).count();
        }
    }

    /**
     * Runs a re-submission must keep: those in {@code runs}, and those of batches whose commit had begun
     * ({@code _commits/ID.pending} written) when the driver died, which recovery finishes moving.
     */
    static long committedRuns(Connection c, Path out) throws IOException, SQLException {
        long n = committedFiles(out) == 0 ? 0 : count(c, "SELECT count(*) FROM " + table(out, "runs"));
        Path commits = out.resolve("_commits");
        if (Files.isDirectory(commits)) {
            try (Stream<Path> markers = Files.list(commits)) {
                for (Path m : (Iterable<Path>) markers::iterator) {
                    String name = m.getFileName().toString();
                    if (!name.endsWith(".pending")) {
                        continue;
                    }
                    Path staged = out.resolve("_staging").resolve(name.substring(0, name.length() - ".pending".length()));
                    if (committedFiles(staged) > 0) {
                        n += count(c, "SELECT count(*) FROM " + table(staged, "runs"));
                    }
                }
            }
        }
        return n;
    }

    /** Live JVMs whose command line mentions {@code needle} (executors and drivers name the cluster dir). */
    static List<Long> jvmsMentioning(String needle) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmd.contains("java ") && cmd.contains(needle) && Long.parseLong(name) != ProcessHandle.current().pid()) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return pids;
    }

    /** Splits a line printed with bash's {@code printf %q} back into its words. */
    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean in = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\\' && i + 1 < line.length()) {
                w.append(line.charAt(++i));
                in = true;
            } else if (ch == '\'') {
                int end = line.indexOf('\'', i + 1);
                w.append(line, i + 1, end);
                i = end;
                in = true;
            } else if (Character.isWhitespace(ch)) {
                if (in) {
                    words.add(w.toString());
                    w.setLength(0);
                    in = false;
                }
            } else {
                w.append(ch);
                in = true;
            }
        }
        if (in) {
            words.add(w.toString());
        }
        return words;
    }
}
