package org.ranksweep.sweep.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ranksweep.sweep.grid.GridException;
import org.ranksweep.sweep.spark.SweepJob;

/**
 * The report of the smoke sweep: PNGs of the right size with something drawn, a page that shows them
 * with the manifest and the summary, and plotted data equal to the tables' rows.
 */
class ReportTest {
    @TempDir
    static Path tmp;
    static Path out;
    static Report.Written written;
    static Path reportDir;

    @BeforeAll
    static void sweepAndReport() throws Exception {
        out = tmp.resolve("smoke");
        SweepJob.Options o = new SweepJob.Options();
        o.grid = Path.of("..", "examples", "smoke.yaml");
        o.out = out.toString();
        o.master = "local[2]";
        o.progress = false;
        o.conf.put("spark.ui.enabled", "false");
        SweepJob.run(o);
        reportDir = tmp.resolve("report");
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(out.toUri());
        Configuration conf = new Configuration();
        written = Report.write(conf, p.getFileSystem(conf), p, reportDir);
    }

    static List<double[]> rows(String sql) throws Exception {
        List<double[]> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                double[] r = new double[n];
                for (int i = 0; i < n; i++) {
                    r[i] = rs.getDouble(i + 1);
                }
                rows.add(r);
            }
        }
        return rows;
    }

    static String table(String t) {
        return "read_parquet('" + out.resolve(t) + "/**/*.parquet', hive_partitioning = true)";
    }

    static Report.Figure figure(String file) {
        return written.figures.stream().filter(f -> f.file.equals(file)).findFirst().orElseThrow();
    }

    static Report.Series series(Report.Figure f, String name) {
        return f.series.stream().filter(s -> s.name.equals(name)).findFirst().orElseThrow(
                () -> new AssertionError("no series " + name + " in " + f.file));
    }

    @Test
    void everyFigureIsAPngOfTheExpectedSizeWithSomethingDrawn() throws Exception {
        assertEquals(List.of("rank-12-8-6-linear.png", "loss-12-8-6-linear.png", "rank-12-8-6-tanh.png",
                "loss-12-8-6-tanh.png", "time-to-full-rank.png"),
                written.figures.stream().map(f -> f.file).collect(Collectors.toList()));
        for (Report.Figure f : written.figures) {
            BufferedImage img = ImageIO.read(reportDir.resolve(f.file).toFile());
            assertEquals(Report.WIDTH, img.getWidth(), f.file);
            assertEquals(Report.HEIGHT, img.getHeight(), f.file);
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < img.getHeight(); y += 3) {
                for (int x = 0; x < img.getWidth(); x += 3) {
                    colours.add(img.getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 20, f.file + " looks blank: " + colours.size() + " colours");
        }
    }

    @Test
    void thePageShowsTheManifestTheSummaryAndEveryFigure() throws Exception {
        String html = Files.readString(written.html, StandardCharsets.UTF_8);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        for (Report.Figure f : written.figures) {
            assertTrue(html.contains("<img src=\"" + f.file + "\""), f.file + " not on the page");
        }
        assertTrue(html.contains("<h1>Sweep smoke</h1>"));
        assertTrue(html.contains("grid_hash"), "the manifest is on the page");
        long groups = (long) rows("SELECT count(*) FROM " + table("summary")).get(0)[0];
        String summaryTable = html.split("<h2>Summary")[1].split("</table>")[0];
        assertEquals(groups + 1, summaryTable.split("<tr>", -1).length - 1, "a header and one row per summary row");
    }

    @Test
    void theRankFigurePlotsRankCurvesRows() throws Exception {
        Report.Series s = series(figure("rank-12-8-6-linear.png"), "gradient sigma=0.1");
        List<double[]> want = rows("SELECT epoch, rank_mean, rank_min, rank_max FROM " + table("rank_curves")
                + " WHERE architecture = '12-8-6:linear' AND noise = 'gradient' AND sigma = 0.1 ORDER BY epoch");
        assertEquals(7, want.size());
        assertEquals(want.size(), s.x.length);
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), new double[] {s.x[i], s.y[i], s.lo[i], s.hi[i]}, 0.0, "point " + i);
        }
    }

    @Test
    void theTimeToFullRankFigurePlotsEachRunReachedOrCensored() throws Exception {
        Report.Figure f = figure("time-to-full-rank.png");
        List<double[]> reached = rows("SELECT sigma, time_to_full_rank FROM " + table("runs") + " WHERE architecture = "
                + "'12-8-6:linear' AND noise = 'gradient' AND time_to_full_rank IS NOT NULL ORDER BY 1, 2");
        List<double[]> censored = rows("SELECT sigma, epochs_run FROM " + table("runs") + " WHERE architecture = "
                + "'12-8-6:linear' AND noise = 'gradient' AND time_to_full_rank IS NULL AND status <> 'FAILED' ORDER BY 1, 2");
        assertTrue(!reached.isEmpty() && !censored.isEmpty(), "the smoke grid has both");
        Report.Series r = series(f, "12-8-6:linear gradient");
        Report.Series c = series(f, "12-8-6:linear gradient (censored)");
        assertTrue(c.censored && !r.censored);
        assertEquals(reached.size(), r.x.length);
        assertEquals(censored.size(), c.x.length);
        for (int i = 0; i < reached.size(); i++) {
            assertArrayEquals(reached.get(i), new double[] {r.x[i], r.y[i]}, 0.0);
        }
        for (int i = 0; i < censored.size(); i++) {
            assertArrayEquals(censored.get(i), new double[] {c.x[i], c.y[i]}, 0.0);
        }
    }

    @Test
    void aFolderWithoutTablesIsRefusedNamingIt() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(empty.toUri());
        FileSystem fs = p.getFileSystem(new Configuration());
        GridException e = assertThrows(GridException.class,
                () -> Report.write(new Configuration(), fs, p, tmp.resolve("r2")));
        assertTrue(e.getMessage().startsWith("DIR: holds no sweep results"), e.getMessage());
    }
}
