package org.ranksweep.sweep.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.ranksweep.sweep.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sweep report DIR --out REPORT_DIR}: PNG figures and one HTML page from a sweep's tables (no Spark). */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Figures (PNG) and an HTML page (index.html) from the tables of a sweep's results folder.")
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The --out folder of `sweep run` (a path or file:, hdfs:, s3a: URI).")
    String dir;

    @Option(names = "--out", required = true, description = "Folder for the report (created; files in it replaced).")
    Path out;

    @Override
    public Integer call() throws Exception {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
        Configuration conf = org.ranksweep.sweep.spark.LocalFiles.configuration();
        FileSystem fs = p.getFileSystem(conf);
        Report.Written w = Report.write(conf, fs, fs.makeQualified(p), out);
        for (Report.Figure f : w.figures) {
            System.out.println("figure " + out.resolve(f.file));
        }
        System.out.println("report " + w.html);
        return 0;
    }
}
