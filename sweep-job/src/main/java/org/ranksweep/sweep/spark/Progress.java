package org.ranksweep.sweep.spark;

import java.util.Locale;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs done / total with an ETA: a line redrawn on the console every second when there is one,
 * otherwise a log line every 30 seconds (the Spark UI shows the same counts as accumulators).
 */
final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    private final Thread thread;
    private volatile boolean running = true;

    private Progress(long total, LongAccumulator done, LongAccumulator diverged, LongAccumulator failed) {
        boolean console = System.console() != null;
        long start = System.nanoTime();
        thread = new Thread(() -> {
            long lastLog = 0;
            while (running) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    break;
                }
                long d = done.value();
                double secs = (System.nanoTime() - start) / 1e9;
                String eta = d == 0 ? "?" : format(secs / d * (total - d));
                String line = String.format(Locale.ROOT, "runs %d/%d (%.0f%%), %d diverged, %d failed, %s elapsed, ETA %s",
                        d, total, total == 0 ? 100.0 : 100.0 * d / total, diverged.value(), failed.value(), format(secs), eta);
                if (console) {
                    System.err.print("\r" + line + "   ");
                    System.err.flush();
                } else if (secs - lastLog >= 30) {
                    LOG.info(line);
                    lastLog = (long) secs;
                }
            }
            if (console) {
                System.err.println();
            }
        }, "rank-sweep-progress");
        thread.setDaemon(true);
    }

    static Progress start(long total, LongAccumulator done, LongAccumulator diverged, LongAccumulator failed) {
        Progress p = new Progress(total, done, diverged, failed);
        p.thread.start();
        return p;
    }

    void stop() {
        running = false;
        thread.interrupt();
    }

    private static String format(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60)
                : t >= 60 ? String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60) : t + "s";
    }
}
