package org.ranksweep.sweep.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.ranksweep.sweep.grid.GridException;
import org.ranksweep.sweep.spark.TableFiles;
import org.ranksweep.sweep.spark.Tables;

/**
 * {@code sweep report}: figures (PNG, drawn with JFreeChart) and one HTML page from a results folder,
 * read on this JVM without Spark. Figures: rank of R against epoch per architecture (one line per
 * noise type and sigma: mean over seeds, min-max band), time to full rank against sigma (censored runs
 * drawn as open triangles at their last epoch), clean loss against epoch. The figures' data are kept
 * as {@link Figure}s, so a test can check what is plotted against the tables.
 */
public final class Report {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 520;

    private Report() {
    }

    /** One plotted series: points (x, y), and a band lo..hi when given. */
    public static final class Series {
        public final String name;
        public final double[] x;
        public final double[] y;
        public final double[] lo;
        public final double[] hi;
        /** Markers only (no line). */
        public final boolean points;
        /** Censored observations (drawn as open markers). */
        public final boolean censored;

        Series(String name, List<double[]> xyLoHi, boolean points, boolean censored) {
            this.name = name;
            int n = xyLoHi.size();
            x = new double[n];
            y = new double[n];
            lo = new double[n];
            hi = new double[n];
            for (int i = 0; i < n; i++) {
                double[] p = xyLoHi.get(i);
                x[i] = p[0];
                y[i] = p[1];
                lo[i] = p.length > 2 ? p[2] : p[1];
                hi[i] = p.length > 3 ? p[3] : p[1];
            }
            this.points = points;
            this.censored = censored;
        }
    }

    /** One figure: a PNG file name, titles and its series. */
    public static final class Figure {
        public final String file;
        public final String title;
        public final String xLabel;
        public final String yLabel;
        public final boolean logX;
        public final boolean logY;
        public final List<Series> series = new ArrayList<>();

        Figure(String file, String title, String xLabel, String yLabel, boolean logX, boolean logY) {
            this.file = file;
            this.title = title;
            this.xLabel = xLabel;
            this.yLabel = yLabel;
            this.logX = logX;
            this.logY = logY;
        }
    }

    /** What {@link #write} made. */
    public static final class Written {
        public final List<Figure> figures;
        public final java.nio.file.Path html;

        Written(List<Figure> figures, java.nio.file.Path html) {
            this.figures = figures;
            this.html = html;
        }
    }

    static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }

    private static double num(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    /** A series label: the noise type, its sigma, and whatever else varies between groups of the figure. */
    private static String label(Map<String, Object> r, boolean lrVaries, boolean initVaries) {
        StringBuilder b = new StringBuilder(String.valueOf(r.get("noise")));
        if (num(r.get("sigma")) > 0) {
            b.append(" sigma=").append(num(r.get("sigma")));
        }
        if (lrVaries) {
            b.append(" lr=").append(num(r.get("learning_rate")));
        }
        if (initVaries) {
            b.append(" init=").append(r.get("init"));
        }
        return b.toString();
    }

    /** The figures of the sweep under {@code out}. */
    public static List<Figure> figures(Configuration conf, FileSystem fs, Path out) throws IOException {
        List<Map<String, Object>> curves = TableFiles.read(conf, fs, new Path(out, Tables.RANK_CURVES), null);
        List<Map<String, Object>> runs = TableFiles.read(conf, fs, new Path(out, Tables.RUNS), new String[] {
            "architecture", "sigma", "status", "time_to_full_rank", "epochs_run", "learning_rate", "init"});
        List<Figure> figs = new ArrayList<>();
        Map<String, List<Map<String, Object>>> byArch = new TreeMap<>();
        for (Map<String, Object> c : curves) {
            byArch.computeIfAbsent((String) c.get("architecture"), k -> new ArrayList<>()).add(c);
        }
        for (Map.Entry<String, List<Map<String, Object>>> a : byArch.entrySet()) {
            List<Map<String, Object>> rows = a.getValue();
            boolean lrVaries = rows.stream().map(r -> r.get("learning_rate")).distinct().count() > 1;
            boolean initVaries = rows.stream().map(r -> r.get("init")).distinct().count() > 1;
            Map<String, List<Map<String, Object>>> byGroup = new TreeMap<>();
            for (Map<String, Object> r : rows) {
                byGroup.computeIfAbsent(label(r, lrVaries, initVaries) + "\u0000" + r.get("group_id"), k -> new ArrayList<>())
                        .add(r);
            }
            Figure rank = new Figure("rank-" + slug(a.getKey()) + ".png", "Rank of R against epoch, " + a.getKey()
                    + " (full rank " + rows.get(0).get("full_rank") + ")", "epoch", "rank of R (mean over seeds; band: min to max)",
                    false, false);
            Figure loss = new Figure("loss-" + slug(a.getKey()) + ".png", "Clean loss against epoch, " + a.getKey(),
                    "epoch", "loss (mean over seeds)", false, rows.stream().allMatch(r -> num(r.get("loss_mean")) > 0));
            for (Map.Entry<String, List<Map<String, Object>>> g : byGroup.entrySet()) {
                List<Map<String, Object>> pts = new ArrayList<>(g.getValue());
                pts.sort(Comparator.comparingInt(r -> (Integer) r.get("epoch")));
                String name = g.getKey().substring(0, g.getKey().indexOf('\u0000'));
                List<double[]> rk = new ArrayList<>();
                List<double[]> ls = new ArrayList<>();
                for (Map<String, Object> r : pts) {
                    rk.add(new double[] {num(r.get("epoch")), num(r.get("rank_mean")), num(r.get("rank_min")),
                        num(r.get("rank_max"))});
                    if (r.get("loss_mean") != null) {
                        ls.add(new double[] {num(r.get("epoch")), num(r.get("loss_mean"))});
                    }
                }
                rank.series.add(new Series(name, rk, false, false));
                loss.series.add(new Series(name, ls, false, false));
            }
            figs.add(rank);
            figs.add(loss);
        }
        Map<String, List<double[]>> reached = new TreeMap<>();
        Map<String, List<double[]>> censored = new TreeMap<>();
        for (Map<String, Object> r : runs) {
            double sigma = num(r.get("sigma"));
            if ("FAILED".equals(r.get("status")) || !(sigma > 0)) {
                continue;
            }
            String key = r.get("architecture") + " " + r.get("noise");
            if (r.get("time_to_full_rank") != null) {
                reached.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {sigma, num(r.get("time_to_full_rank"))});
            } else {
                censored.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {sigma, num(r.get("epochs_run"))});
            }
        }
        if (!reached.isEmpty() || !censored.isEmpty()) {
            Figure ttf = new Figure("time-to-full-rank.png", "Epoch at which R first reaches full rank, against sigma",
                    "sigma", "epoch (open triangles: never reached, censored at the last epoch)", true, false);
            for (String key : new TreeSet<>(union(reached.keySet(), censored.keySet()))) {
                if (reached.containsKey(key)) {
                    ttf.series.add(new Series(key, sorted(reached.get(key)), true, false));
                }
                if (censored.containsKey(key)) {
                    ttf.series.add(new Series(key + " (censored)", sorted(censored.get(key)), true, true));
                }
            }
            figs.add(ttf);
        }
        return figs;
    }

    private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        List<String> u = new ArrayList<>(a);
        u.addAll(b);
        return u;
    }

    private static List<double[]> sorted(List<double[]> pts) {
        pts.sort(Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]));
        return pts;
    }

    /** Distinct colours that read on white (Okabe-Ito, then darker extras). */
    private static final Color[] PALETTE = {new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115),
        new Color(204, 121, 167), new Color(86, 180, 233), new Color(230, 159, 0), new Color(0, 0, 0),
        new Color(120, 94, 240), new Color(150, 75, 0), new Color(100, 100, 100)};

    /** A base-10 log axis with a labelled tick per decade. */
    private static LogAxis decades(String label) {
        LogAxis a = new LogAxis(label);
        a.setBase(10);
        a.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1));
        a.setMinorTickCount(9);
        a.setMinorTickMarksVisible(true);
        return a;
    }

    /** Draws a figure to a PNG of {@link #WIDTH} x {@link #HEIGHT}. */
    static void draw(Figure f, java.nio.file.Path png) throws IOException {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (Series s : f.series) {
            YIntervalSeries ys = new YIntervalSeries(s.name, false, true);
            for (int i = 0; i < s.x.length; i++) {
                if (!(f.logY && s.y[i] <= 0)) {
                    ys.add(s.x[i], s.y[i], s.lo[i], s.hi[i]);
                }
            }
            data.addSeries(ys);
        }
        XYLineAndShapeRenderer renderer;
        if (f.series.stream().anyMatch(s -> s.points)) {
            renderer = new XYLineAndShapeRenderer(false, true);
            int colour = -1;
            for (int i = 0; i < f.series.size(); i++) {
                Series s = f.series.get(i);
                boolean sameKey = i > 0 && s.censored && s.name.equals(f.series.get(i - 1).name + " (censored)");
                colour += sameKey ? 0 : 1;
                renderer.setSeriesPaint(i, PALETTE[colour % PALETTE.length]);
                renderer.setSeriesShapesFilled(i, !s.censored);
                renderer.setSeriesShape(i, s.censored ? new java.awt.Polygon(new int[] {-6, 6, 0}, new int[] {5, 5, -6}, 3)
                        : new java.awt.geom.Ellipse2D.Double(-4, -4, 8, 8));
            }
        } else {
            DeviationRenderer d = new DeviationRenderer(true, false);
            d.setAlpha(0.2f);
            for (int i = 0; i < f.series.size(); i++) {
                d.setSeriesStroke(i, new BasicStroke(2f));
                d.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
                d.setSeriesFillPaint(i, PALETTE[i % PALETTE.length]);
            }
            renderer = d;
        }
        NumberAxis x = new NumberAxis(f.xLabel);
        x.setAutoRangeIncludesZero(false);
        org.jfree.chart.axis.ValueAxis xAxis = f.logX ? decades(f.xLabel) : x;
        NumberAxis yLin = new NumberAxis(f.yLabel);
        yLin.setAutoRangeIncludesZero(false);
        org.jfree.chart.axis.ValueAxis yAxis = f.logY ? decades(f.yLabel) : yLin;
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(f.title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }

    /** Writes every figure and {@code index.html} into {@code reportDir}. */
    public static Written write(Configuration conf, FileSystem fs, Path out, java.nio.file.Path reportDir) throws IOException {
        if (!fs.exists(new Path(out, Tables.RUNS)) || !fs.exists(new Path(out, Tables.RANK_CURVES))) {
            throw new GridException("DIR", "holds no sweep results (no runs and rank_curves tables); give the --out "
                    + "folder of `sweep run`", out.toString());
        }
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(reportDir);
        List<Figure> figs = figures(conf, fs, out);
        for (Figure f : figs) {
            draw(f, reportDir.resolve(f.file));
        }
        java.nio.file.Path html = reportDir.resolve("index.html");
        Files.writeString(html, html(conf, fs, out, figs), StandardCharsets.UTF_8);
        return new Written(figs, html);
    }

    static String esc(Object o) {
        return String.valueOf(o == null ? "" : o).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    private static String fmt(Object o) {
        if (o == null) {
            return "";
        }
        if (o instanceof Double) {
            return String.format(Locale.ROOT, "%.4g", (Double) o);
        }
        return String.valueOf(o);
    }

    /** Summary columns shown in the page's table. */
    static final String[] SUMMARY_COLUMNS = {"architecture", "noise", "sigma", "learning_rate", "init", "runs", "completed",
        "diverged", "failed", "fraction_full_rank", "time_to_full_rank_median", "time_to_full_rank_km_median",
        "final_rank_mean", "final_loss_mean", "loss_gap_mean"};

    private static String html(Configuration conf, FileSystem fs, Path out, List<Figure> figs) throws IOException {
        StringBuilder b = new StringBuilder();
        Map<String, String> manifest = new LinkedHashMap<>();
        Path m = new Path(out, "manifest.json");
        if (fs.exists(m)) {
            try (InputStream in = fs.open(m)) {
                JsonNode j = new ObjectMapper().readTree(in);
                for (Iterator<Map.Entry<String, JsonNode>> it = j.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    manifest.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText());
                }
            }
        }
        String name = manifest.getOrDefault("sweep", out.getName());
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rank-sweep report: ")
                .append(esc(name)).append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
                        + "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px;"
                        + "text-align:right}th{background:#eee}td.t{text-align:left}figure{margin:1.5em 0}</style>"
                        + "</head><body>\n");
        b.append("<h1>Sweep ").append(esc(name)).append("</h1>\n<h2>Manifest</h2>\n<table>\n");
        for (Map.Entry<String, String> e : manifest.entrySet()) {
            b.append("<tr><th>").append(esc(e.getKey())).append("</th><td class=\"t\">").append(esc(e.getValue()))
                    .append("</td></tr>\n");
        }
        b.append("</table>\n<h2>Summary (one row per group of seeds)</h2>\n<table>\n<tr>");
        for (String c : SUMMARY_COLUMNS) {
            b.append("<th>").append(esc(c)).append("</th>");
        }
        b.append("</tr>\n");
        List<Map<String, Object>> summary = TableFiles.read(conf, fs, new Path(out, Tables.SUMMARY), SUMMARY_COLUMNS);
        summary.sort(Comparator.comparing((Map<String, Object> r) -> String.valueOf(r.get("architecture")))
                .thenComparing(r -> String.valueOf(r.get("noise"))).thenComparingDouble(r -> num(r.get("sigma"))));
        for (Map<String, Object> r : summary) {
            b.append("<tr>");
            for (String c : SUMMARY_COLUMNS) {
                Object v = r.get(c);
                b.append(v instanceof String ? "<td class=\"t\">" : "<td>").append(esc(fmt(v))).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n<h2>Figures</h2>\n");
        for (Figure f : figs) {
            b.append("<figure><img src=\"").append(esc(f.file)).append("\" width=\"").append(WIDTH).append("\" height=\"")
                    .append(HEIGHT).append("\" alt=\"").append(esc(f.title)).append("\"><figcaption>").append(esc(f.title))
                    .append("</figcaption></figure>\n");
        }
        b.append("</body></html>\n");
        return b.toString();
    }
}
