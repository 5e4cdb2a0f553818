package org.ranksweep.sweep.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a batch of runs appear in both run tables together, or not at all.
 *
 * <p>A batch is written by Spark under {@code OUT/_staging/ID/{trajectories,runs}}; then a marker
 * {@code OUT/_commits/ID.pending} is created, the data files are moved into the tables (trajectories
 * first, runs last) and the marker is deleted. A job killed before the marker leaves only staging,
 * which {@link #recover} deletes (those runs are trained again); killed after it, {@link #recover}
 * finishes the moves. A run counts as done when its row is in {@code runs}, and by then its
 * trajectory is in {@code trajectories}. Works on any Hadoop file system (file:, hdfs:, s3a:).
 */
final class Commit {
    private static final Logger LOG = LoggerFactory.getLogger(Commit.class);
    static final String STAGING = "_staging";
    static final String COMMITS = "_commits";
    /** Trajectories first: a run in {@code runs} always has its trajectory. */
    private static final String[] ORDER = {Tables.TRAJECTORIES, Tables.RUNS};

    private Commit() {
    }

    static Path staging(Path out, String id) {
        return new Path(new Path(out, STAGING), id);
    }

    /** Moves a written batch into the tables. */
    static void commit(FileSystem fs, Path out, String id) throws IOException {
        Path marker = new Path(new Path(out, COMMITS), id + ".pending");
        fs.mkdirs(marker.getParent());
        fs.create(marker, true).close();
        finish(fs, out, id, marker);
    }

    /** Completes batches whose commit had begun; drops batches that never reached it. */
    static void recover(FileSystem fs, Path out) throws IOException {
        Path commits = new Path(out, COMMITS);
        if (fs.exists(commits)) {
            for (FileStatus s : fs.listStatus(commits)) {
                String name = s.getPath().getName();
                if (name.endsWith(".pending")) {
                    String id = name.substring(0, name.length() - ".pending".length());
                    LOG.info("finishing the interrupted commit of batch {}", id);
                    finish(fs, out, id, s.getPath());
                }
            }
        }
        Path staging = new Path(out, STAGING);
        if (fs.exists(staging)) {
            for (FileStatus s : fs.listStatus(staging)) {
                LOG.info("dropping batch {} that was not committed (its runs will be trained again)", s.getPath().getName());
                fs.delete(s.getPath(), true);
            }
        }
    }

    private static void finish(FileSystem fs, Path out, String id, Path marker) throws IOException {
        Path stage = staging(out, id);
        for (String table : ORDER) {
            Path from = new Path(stage, table);
            if (!fs.exists(from)) {
                continue;
            }
            for (Path file : dataFiles(fs, from)) {
                String rel = file.toUri().getPath().substring(from.toUri().getPath().length() + 1);
                Path to = new Path(new Path(out, table), rel);
                fs.mkdirs(to.getParent());
                if (!fs.rename(file, to)) {
                    throw new IOException("could not move " + file + " to " + to);
                }
            }
        }
        fs.delete(stage, true);
        fs.delete(marker, false);
    }

    /** Parquet files under {@code dir}, in partition folders, skipping Spark's markers (_SUCCESS, .crc). */
    private static List<Path> dataFiles(FileSystem fs, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (FileStatus s : fs.listStatus(dir)) {
            String name = s.getPath().getName();
            if (s.isDirectory()) {
                if (!name.startsWith("_") && !name.startsWith(".")) {
                    out.addAll(dataFiles(fs, s.getPath()));
                }
            } else if (name.endsWith(".parquet")) {
                out.add(s.getPath());
            }
        }
        return out;
    }
}
