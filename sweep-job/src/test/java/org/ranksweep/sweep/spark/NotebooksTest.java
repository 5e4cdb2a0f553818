package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The notebooks: valid nbformat 4, clean (no outputs), their only input the RESULTS parameter, every
 * query a call of a .sql file in notebooks/sql (each of which some notebook uses), and Python that parses.
 */
class NotebooksTest {
    private static final Path DIR = Path.of("..", "notebooks");
    private static final Pattern QUERY = Pattern.compile("query\\(con, \"([A-Za-z0-9_]+\\.sql)\"\\)");
    /** What a code cell must not do: embed SQL, or read files itself. */
    private static final Pattern FORBIDDEN = Pattern.compile(
            "(?i)\\bselect\\b|\\bfrom\\s+\\w+\\s+where\\b|read_parquet|read_csv|pd\\.read_|open\\(|\\.execute\\(|duckdb\\.");
    private static final String PARAMETER = "RESULTS = os.environ.get(\"RANK_SWEEP_RESULTS\", \"../results/smoke\")";

    static List<Path> notebooks() throws Exception {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".ipynb")).sorted().collect(Collectors.toList());
        }
    }

    static String source(JsonNode cell) {
        JsonNode s = cell.get("source");
        if (s.isTextual()) {
            return s.asText();
        }
        StringBuilder b = new StringBuilder();
        s.forEach(line -> b.append(line.asText()));
        return b.toString();
    }

    @Test
    void theThreeNotebooksAreValidCleanNbformat4() throws Exception {
        List<Path> nbs = notebooks();
        assertEquals(List.of("01-overview.ipynb", "02-rank-trajectories.ipynb", "03-loss-gap-vs-rank.ipynb"),
                nbs.stream().map(p -> p.getFileName().toString()).collect(Collectors.toList()));
        for (Path p : nbs) {
            JsonNode nb = new ObjectMapper().readTree(p.toFile());
            assertEquals(4, nb.get("nbformat").asInt(), p + ": nbformat");
            assertTrue(nb.get("nbformat_minor").asInt() >= 4, p + ": nbformat_minor");
            assertEquals("python3", nb.at("/metadata/kernelspec/name").asText(), p + ": kernel");
            assertTrue(nb.get("cells").isArray() && nb.get("cells").size() > 2, p + ": cells");
            for (JsonNode cell : nb.get("cells")) {
                String type = cell.get("cell_type").asText();
                assertTrue(Set.of("markdown", "code").contains(type), p + ": cell type " + type);
                assertTrue(cell.has("metadata") && cell.has("source"), p + ": cell fields");
                if (type.equals("code")) {
                    assertTrue(cell.get("outputs").isArray() && cell.get("outputs").isEmpty(), p + ": committed outputs");
                    assertTrue(cell.get("execution_count").isNull(), p + ": execution count");
                }
            }
        }
    }

    @Test
    void notebooksReadOnlyTheirParameterAndQueryOnlyThroughSqlFiles() throws Exception {
        Set<String> used = new TreeSet<>();
        for (Path p : notebooks()) {
            JsonNode nb = new ObjectMapper().readTree(p.toFile());
            List<String> code = new ArrayList<>();
            nb.get("cells").forEach(c -> {
                if (c.get("cell_type").asText().equals("code")) {
                    code.add(source(c));
                }
            });
            assertTrue(code.get(0).contains(PARAMETER), p + ": the first code cell is the RESULTS parameter");
            assertTrue(code.get(1).contains("con = connect(RESULTS)"), p + ": the data come through connect(RESULTS)");
            int queries = 0;
            for (String c : code) {
                Matcher forbidden = FORBIDDEN.matcher(c);
                assertFalse(forbidden.find(), p + ": a code cell does '" + (forbidden.find(0) ? forbidden.group() : "")
                        + "' instead of calling a .sql file:\n" + c);
                assertFalse(c.contains("RESULTS") && !c.contains(PARAMETER) && !c.contains("connect(RESULTS)"),
                        p + ": RESULTS used beyond connect()");
                Matcher m = QUERY.matcher(c);
                while (m.find()) {
                    assertTrue(Files.isRegularFile(DIR.resolve("sql").resolve(m.group(1))), p + ": no sql/" + m.group(1));
                    used.add(m.group(1));
                    queries++;
                }
                assertEquals(countOf(c, "query("), countOf(c, "query(con, \""), p + ": query() with a literal file name");
            }
            assertTrue(queries > 0, p + " runs no query");
        }
        try (Stream<Path> s = Files.list(DIR.resolve("sql"))) {
            Set<String> all = s.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".sql"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(all, used, "every .sql file is used by a notebook");
        }
    }

    private static int countOf(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void theHelperReadsOnlyTheTablesAndTheSqlFolder() throws Exception {
        String py = Files.readString(DIR.resolve("rank_sweep_sql.py"), StandardCharsets.UTF_8);
        assertTrue(py.contains("TABLES = (\"runs\", \"trajectories\", \"summary\", \"rank_curves\")"));
        assertFalse(py.toLowerCase(Locale.ROOT).contains("open("), "no other file is opened");
        assertEquals(1, countOf(py, "read_text("), "reads only the .sql files as text");
        assertTrue(py.contains("path = SQL_DIR / name") && py.contains("root / table"), "the .sql folder and the tables under RESULTS");
    }

    @Test
    void everyCodeCellAndTheHelperAreValidPython() throws Exception {
        Assumptions.assumeTrue(python() != null, "python3 is not installed");
        List<String> sources = new ArrayList<>();
        sources.add(Files.readString(DIR.resolve("rank_sweep_sql.py"), StandardCharsets.UTF_8));
        for (Path p : notebooks()) {
            new ObjectMapper().readTree(p.toFile()).get("cells").forEach(c -> {
                if (c.get("cell_type").asText().equals("code")) {
                    sources.add(source(c));
                }
            });
        }
        for (String src : sources) {
            Process proc = new ProcessBuilder(python(), "-c", "import ast, sys; ast.parse(sys.stdin.read())")
                    .redirectErrorStream(true).start();
            proc.getOutputStream().write(src.getBytes(StandardCharsets.UTF_8));
            proc.getOutputStream().close();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, proc.exitValue(), "not valid Python:\n" + src + "\n" + out);
        }
    }

    private static String python() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "python3"))) {
                return Path.of(dir, "python3").toString();
            }
        }
        return null;
    }
}
