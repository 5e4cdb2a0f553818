package org.ranksweep.sweep.spark;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.ranksweep.sweep.grid.ConfigId;
import org.ranksweep.sweep.grid.Grid;
import org.ranksweep.sweep.grid.GridException;
import org.ranksweep.sweep.grid.GridParser;
import org.ranksweep.trainer.bench.FlopModel;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.linalg.ComputeThreads;
import org.ranksweep.trainer.train.RunResult;
import org.ranksweep.trainer.train.RunStatus;
import org.ranksweep.trainer.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sweep run}: expands a grid, trains every run not yet recorded under the output folder on
 * Spark, commits results in batches, then recomputes the summaries. See DESIGN.md, "Tables" and
 * "Behaviour under faults".
 */
public final class SweepJob {
    private static final Logger LOG = LoggerFactory.getLogger(SweepJob.class);
    public static final String VERSION = "0.1.0";
    static final String MANIFEST = "manifest.json";
    static final String GRID_COPY = "grid.yaml";

    /** What {@link #run} is asked to do. */
    public static final class Options {
        public java.nio.file.Path grid;
        public String out;
        /** Spark master; null: the one spark-submit set (spark.master), else local[*]. */
        public String master;
        public Map<String, String> conf = new LinkedHashMap<>();
        public boolean force;
        public boolean append;
        /** Runs per commit batch; 0 picks one from the grid size and the cluster's slots. */
        public int batchRuns;
        public boolean progress = true;
        /** Summaries by Spark SQL even when they would fit on the driver (tests compare both paths). */
        public boolean summariesOnSpark;
        /** Grids up to this many runs are expanded on the driver, larger ones by a Spark job. */
        public long driverExpansionLimit = 100_000;
    }

    /** What a job did. */
    public static final class Outcome {
        public long total;
        public long alreadyDone;
        public long trained;
        public long diverged;
        public long failed;
        public int batches;
        public long wallMs;
        /** Wall time of the training phase (first batch to last commit). */
        public long trainPhaseMs;
        /** Sum of the trained runs' own wall times, in ms (measured in microseconds: a small run takes less than one). */
        public double runMsSum;
        /** Task slots the job had. */
        public int slots;
        /** Time to start (or join) the Spark session. */
        public long sessionMs;
        /** Time to recompute summary and rank_curves. */
        public long summariesMs;
        /**
         * Peak native (off-heap) bytes one run held: data, weights and buffers. A task trains its runs one
         * after another and frees each run's buffers, so this is also the peak per task (the shared,
         * broadcast dataset apart).
         */
        public long peakRunNativeBytes;
        /** Most Java heap one run allocated on its task thread (allocated over the run, not live at once). */
        public long peakRunHeapAllocatedBytes;
        /** CPU time of the task threads while they trained runs (from each run's start to its record), summed. */
        public long runCpuMs;
        /**
         * CPU time of the driver's JVM over the training phase, every thread: in local mode the runs plus
         * everything around them (driver, committer, Spark, JIT, GC); on a cluster the driver's alone; -1
         * where the JVM cannot tell.
         */
        public long phaseProcessCpuMs = -1;

        /** Training phase over the ideal (runs' own time spread evenly over the slots): 1 is perfect packing. */
        public double makespanRatio() {
            return runMsSum == 0 ? Double.NaN : trainPhaseMs * (double) slots / runMsSum;
        }

        /** (training phase x slots - runs' own time) / runs trained: what fanning out cost per run, in ms. */
        public double overheadPerRunMs() {
            return trained == 0 ? 0 : (trainPhaseMs * (double) slots - runMsSum) / trained;
        }
    }

    private SweepJob() {
    }

    /** Batches trained ahead of the last commit. */
    static final int PIPELINE = 2;

    /**
     * Writes one trained batch to staging from the driver (no Spark job, so no task slot is taken from
     * training), then commits it: one file per table and noise type per batch, so files grow with
     * batches, not with runs.
     */
    static void commitBatch(Configuration conf, FileSystem fs, Path out, List<RunRecord> records) throws IOException {
        String id = String.format(Locale.ROOT, "%013d-%s", System.currentTimeMillis(),
                UUID.randomUUID().toString().substring(0, 8));
        Path stage = Commit.staging(out, id);
        Map<String, List<Row>> runs = new TreeMap<>();
        Map<String, List<Row>> traj = new TreeMap<>();
        for (RunRecord r : records) {
            runs.computeIfAbsent(r.noise, k -> new ArrayList<>()).add(Tables.withoutPartition(Tables.runRow(r),
                    Tables.RUNS_SCHEMA));
            List<Row> t = traj.computeIfAbsent(r.noise, k -> new ArrayList<>());
            Tables.trajectoryRows(r).forEachRemaining(row -> t.add(Tables.withoutPartition(row,
                    Tables.TRAJECTORIES_SCHEMA)));
        }
        long t0 = System.nanoTime();
        String file = "part-" + id + ".snappy.parquet";
        for (Map.Entry<String, List<Row>> e : traj.entrySet()) {
            ParquetRows.write(conf, new Path(new Path(new Path(stage, Tables.TRAJECTORIES),
                    Tables.PARTITION + "=" + e.getKey()), file), Tables.fileSchema(Tables.TRAJECTORIES_SCHEMA),
                    e.getValue());
        }
        for (Map.Entry<String, List<Row>> e : runs.entrySet()) {
            ParquetRows.write(conf, new Path(new Path(new Path(stage, Tables.RUNS), Tables.PARTITION + "=" + e.getKey()),
                    file), Tables.fileSchema(Tables.RUNS_SCHEMA), e.getValue());
        }
        long t1 = System.nanoTime();
        Commit.commit(fs, out, id);
        LOG.debug("batch {}: {} runs written in {} ms, committed in {} ms", id, records.size(), (t1 - t0) / 1_000_000,
                (System.nanoTime() - t1) / 1_000_000);
    }

    /** Runs the job on its own Spark session (built from the options), stopped at the end. */
    public static Outcome run(Options o) throws IOException {
        return run(null, o);
    }

    /**
     * Runs the job on {@code spark} when given (left running, for tests and embedding), else on a
     * session built from the options and stopped at the end. The grid and the output folder are
     * checked before any session starts.
     */
    public static Outcome run(SparkSession given, Options o) throws IOException {
        long t0 = System.nanoTime();
        Grid grid = GridParser.parse(o.grid);
        String yaml = Files.readString(o.grid, StandardCharsets.UTF_8);
        String gridHash = ConfigId.sha256(yaml);
        java.nio.file.Path base = o.grid.toAbsolutePath().getParent();
        GridSource source = new GridSource(yaml, base == null ? null : base.toString());

        Path outArg = new Path(o.out);
        FileSystem fs = outArg.getFileSystem(LocalFiles.configuration());
        Path out = fs.makeQualified(outArg); // relative paths resolve once, here, for Spark and for us alike
        checkOutput(fs, out, grid.name, gridHash, o);

        long ts = System.nanoTime();
        SparkSession spark = given != null ? given : session(o, grid.name);
        long sessionMs = (System.nanoTime() - ts) / 1_000_000;
        try {
            Outcome r = execute(spark, fs, out, grid, source, gridHash, o, t0);
            r.sessionMs = sessionMs;
            return r;
        } finally {
            if (given == null) {
                spark.stop();
            }
        }
    }

    /** The session the job wants: Kryo with every shipped class registered, Parquet as documented. */
    public static SparkSession session(Options o, String name) {
        String master = o.master != null ? o.master : System.getProperty("spark.master", "local[*]");
        SparkSession.Builder b = SparkSession.builder().appName("rank-sweep " + name).master(master)
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.kryo.registrationRequired", "true")
                .config("spark.kryo.registrator", SweepKryoRegistrator.class.getName())
                .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
                .config("spark.sql.parquet.writeLegacyFormat", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.task.maxFailures", "4")
                .config("spark.hadoop." + LocalFiles.IMPL_KEY, LocalFiles.class.getName());
        for (Map.Entry<String, String> e : o.conf.entrySet()) {
            b.config(e.getKey(), e.getValue());
        }
        return b.getOrCreate();
    }

    private static Outcome execute(SparkSession spark, FileSystem fs, Path out, Grid grid, GridSource source,
            String gridHash, Options o, long t0) throws IOException {
        Outcome result = new Outcome();
        result.total = grid.size();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int threads = Integer.parseInt(spark.conf().get("spark.ranksweep.threadsPerTask",
                spark.conf().get("spark.task.cpus", "1")));
        LOG.info("sweep {}: {} runs; master {}; {} task slots; {} BLAS/ND4J thread(s) per task", grid.name, grid.size(),
                spark.sparkContext().master(), jsc.defaultParallelism(), threads);
        if (spark.sparkContext().isLocal()) {
            // the tasks train in this JVM: a BLAS that computes wrongly stops the job before it writes anything
            org.ranksweep.trainer.linalg.BlasCheck.verify();
        }

        fs.mkdirs(out);
        writeText(fs, new Path(out, GRID_COPY), Files.readString(o.grid, StandardCharsets.UTF_8));
        Instant started = Instant.now();
        writeManifest(fs, out, grid.name, gridHash, started, null, null);
        Commit.recover(fs, out);

        Broadcast<GridSource> src = jsc.broadcast(source);
        Broadcast<org.ranksweep.trainer.data.Dataset> data = null;
        if (grid.parquet != null) {
            org.ranksweep.trainer.data.Dataset ds = ParquetData.readFor(spark, grid);
            data = jsc.broadcast(ds); // read once, shipped once per executor
            LOG.info("data: {} samples x {} inputs, {} outputs from {}", ds.samples, ds.inputs, ds.outputs,
                    grid.parquet.path);
        }
        Broadcast<org.ranksweep.trainer.data.Dataset> dataB = data;
        Pending p = pending(spark, fs, out, grid, src, o.driverExpansionLimit);
        long[] todo = p.index;
        LOG.info("{} runs to train", todo.length);
        result.alreadyDone = grid.size() - todo.length;
        if (result.alreadyDone > 0) {
            LOG.info("resuming: {} of {} runs already recorded in {}", result.alreadyDone, grid.size(), out);
        }
        int slots = Math.max(1, jsc.defaultParallelism());
        // about ten commits per sweep (fewer files, less overhead), but never fewer than 8 runs per slot, and
        // once run times are known never less than TaskPacker.MIN_BATCH_SLOT_MS of work per slot, but for a
        // small last batch (its commit is the one no training overlaps)
        int batch = o.batchRuns > 0 ? o.batchRuns
                : (int) Math.max(8L * slots, Math.min(10_000, (todo.length + 9) / 10));
        LongAccumulator done = jsc.sc().longAccumulator("runs done");
        LongAccumulator diverged = jsc.sc().longAccumulator("runs diverged");
        LongAccumulator failed = jsc.sc().longAccumulator("runs failed");
        LongAccumulator runMicros = jsc.sc().longAccumulator("run us");
        LongAccumulator taskMs = jsc.sc().longAccumulator("task ms");
        DoubleAccumulator costDone = jsc.sc().doubleAccumulator("estimated cost done");
        MaxAccumulator nativeBytes = new MaxAccumulator();
        jsc.sc().register(nativeBytes, "peak run native bytes");
        MaxAccumulator heapBytes = new MaxAccumulator();
        jsc.sc().register(heapBytes, "peak run heap allocated bytes");
        LongAccumulator runCpuMicros = jsc.sc().longAccumulator("run cpu us");
        result.slots = slots;
        long cpuStart = processCpuNanos();
        long phaseStart = System.nanoTime();
        Progress progress = o.progress ? Progress.start(todo.length, done, diverged, failed) : null;
        String sweep = grid.name;
        Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
        TaskPacker packer = new TaskPacker(slots);
        // Pipeline: batch k+1 trains while batch k is written and committed on the committer thread, so
        // the slots never wait for Parquet; at most PIPELINE batches are trained but not yet committed.
        java.util.concurrent.ExecutorService committer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rank-sweep-committer");
            t.setDaemon(true);
            return t;
        });
        List<java.util.concurrent.Future<Integer>> commits = new ArrayList<>();
        try {
            for (int from = 0, size; from < todo.length; from += size) {
                // the first batch is a task per run, one or two per slot: the next batch waits for the first
                // of them to finish, so that its runs share tasks sized by a measured rate (TaskPacker)
                if (from > 0) {
                    awaitFirstRun(costDone, commits);
                    packer.observe(runMicros.value() / 1000.0, costDone.value());
                }
                size = o.batchRuns > 0 ? batch
                        : from == 0 ? Math.min(batch, slots * TaskPacker.MIN_TASKS_PER_SLOT)
                        : packer.runsInBatch(p.cost, from, batch);
                int to = Math.min(todo.length, from + size);
                long[] ids = java.util.Arrays.copyOfRange(todo, from, to);
                double[] costs = java.util.Arrays.copyOfRange(p.cost, from, to);
                // tasks of about TaskPacker.TARGET_TASK_MS each, costliest first: Spark hands tasks to free
                // slots in order (LPT), and small runs share a task instead of each paying for one
                // the last batch's tasks shrink to single runs at its end: nothing follows to fill a slot
                List<long[]> tasks = to == todo.length ? packer.packLast(ids, costs) : packer.pack(ids, costs);
                // a call site of our own: Spark otherwise walks the driver's stack for every RDD and job
                jsc.setCallSite("rank-sweep " + sweep + " batch " + (commits.size() + 1));
                JavaRDD<RunRecord> records = jsc.parallelize(tasks, tasks.size())
                        .flatMap(task -> {
                            List<RunRecord> rs = new ArrayList<>(task.length);
                            for (long idx : task) {
                                rs.add(trainOne(src.value(), dataB == null ? null : dataB.value(), idx, sweep, threads,
                                        done, diverged, failed, runMicros, taskMs, costDone, nativeBytes, heapBytes,
                                        runCpuMicros));
                            }
                            return rs.iterator();
                        });
                org.apache.spark.api.java.JavaFutureAction<List<RunRecord>> trained = records.collectAsync();
                int k = commits.size();
                if (k >= PIPELINE) {
                    commits.get(k - PIPELINE).get();
                }
                int doneBefore = to;
                commits.add(committer.submit(() -> {
                    List<RunRecord> rs = trained.get();
                    commitBatch(hadoopConf, fs, out, rs);
                    LOG.info("batch {}: {} runs in {} tasks committed ({} of {} done)", k + 1, ids.length, tasks.size(),
                            doneBefore, todo.length);
                    return ids.length;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : commits) {
                result.trained += f.get();
                result.batches++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IOException(cause);
        } finally {
            jsc.clearCallSite();
            committer.shutdownNow();
            if (progress != null) {
                progress.stop();
            }
        }
        result.trainPhaseMs = (System.nanoTime() - phaseStart) / 1_000_000;
        long cpuEnd = processCpuNanos();
        result.phaseProcessCpuMs = cpuStart < 0 || cpuEnd < 0 ? -1 : (cpuEnd - cpuStart) / 1_000_000;
        result.runCpuMs = runCpuMicros.value() / 1000;
        result.runMsSum = runMicros.value() / 1000.0;
        result.peakRunNativeBytes = nativeBytes.value();
        result.peakRunHeapAllocatedBytes = heapBytes.value();
        LOG.info("training phase {} ms; {} runs trained (counting retries); the runs' own time {} ms; their tasks {} ms; "
                + "the runs' CPU {} ms; this JVM's CPU {} ms", result.trainPhaseMs, done.value(), Math.round(result.runMsSum),
                taskMs.value(), result.runCpuMs, result.phaseProcessCpuMs);
        result.diverged = diverged.value();
        result.failed = failed.value();
        long ts = System.nanoTime();
        writeSummaries(spark, fs, out, o.summariesOnSpark);
        result.summariesMs = (System.nanoTime() - ts) / 1_000_000;
        LOG.info("summary and rank_curves written");
        writeManifest(fs, out, grid.name, gridHash, started, Instant.now(), result);
        result.wallMs = (System.nanoTime() - t0) / 1_000_000;
        return result;
    }

    /**
     * Waits until some run has finished (its time and cost reach the driver's accumulators with its task)
     * or a batch's commit has failed; the slots meanwhile train the first batch.
     */
    private static void awaitFirstRun(DoubleAccumulator costDone, List<java.util.concurrent.Future<Integer>> commits)
            throws InterruptedException {
        while (costDone.value() <= 0 && commits.stream().noneMatch(java.util.concurrent.Future::isDone)) {
            Thread.sleep(5);
        }
    }

    /** CPU time of this JVM so far (all threads), in ns; -1 where the JVM does not report it. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean
                ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
    }

    /** Runs still to train: grid indices, costliest first, with their estimated costs (FLOPs). */
    private static final class Pending {
        final long[] index;
        final double[] cost;

        Pending(long[] index, double[] cost) {
            this.index = index;
            this.cost = cost;
        }
    }

    /** The runs not yet in {@code runs}, costliest first. */
    private static Pending pending(SparkSession spark, FileSystem fs, Path out, Grid grid, Broadcast<GridSource> src,
            long driverLimit) throws IOException {
        Path runsPath = new Path(out, Tables.RUNS);
        if (grid.size() <= driverLimit) {
            java.util.Set<String> recorded = new java.util.HashSet<>();
            if (fs.exists(runsPath)) {
                for (Row r : spark.read().parquet(runsPath.toString()).select("config_id").collectAsList()) {
                    recorded.add(r.getString(0));
                }
            }
            List<double[]> todo = new ArrayList<>();
            for (long i = 0; i < grid.size(); i++) {
                RunConfig c = grid.config(i);
                if (!recorded.contains(ConfigId.of(c, grid.dataFingerprint()))) {
                    todo.add(new double[] {i, cost(c)});
                }
            }
            todo.sort((a, b) -> a[1] != b[1] ? Double.compare(b[1], a[1]) : Double.compare(a[0], b[0]));
            long[] idx = new long[todo.size()];
            double[] cost = new double[todo.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = (long) todo.get(i)[0];
                cost[i] = todo.get(i)[1];
            }
            return new Pending(idx, cost);
        }
        return pendingOnSpark(spark, fs, out, grid, src);
    }

    /** As {@link #pending}, expanding the grid on the executors (no per-run object on the driver). */
    private static Pending pendingOnSpark(SparkSession spark, FileSystem fs, Path out, Grid grid,
            Broadcast<GridSource> src) throws IOException {
        StructType schema = new StructType().add("run_index", DataTypes.LongType).add("config_id", DataTypes.StringType)
                .add("cost", DataTypes.DoubleType);
        int parts = (int) Math.max(1, Math.min(1000, grid.size() / 5000));
        Dataset<Row> all = spark.range(0, grid.size(), 1, parts).mapPartitions(
                (org.apache.spark.api.java.function.MapPartitionsFunction<Long, Row>) it -> {
                    Grid g = src.value().grid();
                    List<Row> rows = new ArrayList<>();
                    while (it.hasNext()) {
                        long i = it.next();
                        RunConfig c = g.config(i);
                        rows.add(RowFactory.create(i, ConfigId.of(c, g.dataFingerprint()), cost(c)));
                    }
                    return rows.iterator();
                }, Encoders.row(schema));
        Path runsPath = new Path(out, Tables.RUNS);
        Dataset<Row> todo = all;
        if (fs.exists(runsPath)) {
            Dataset<Row> recorded = spark.read().parquet(runsPath.toString()).select("config_id").distinct();
            todo = all.join(recorded, all.col("config_id").equalTo(recorded.col("config_id")), "left_anti");
        }
        List<Row> rows = todo.orderBy(col("cost").desc(), col("run_index")).select("run_index", "cost").collectAsList();
        long[] idx = new long[rows.size()];
        double[] cost = new double[rows.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = rows.get(i).getLong(0);
            cost[i] = rows.get(i).getDouble(1);
        }
        return new Pending(idx, cost);
    }

    static double cost(RunConfig c) {
        return FlopModel.run(c, c.data.kind == DataSpec.Kind.SYNTHETIC ? c.data.samples : 1000);
    }

    /** Executor side: one run, never an exception (a failure is a FAILED record). */
    static RunRecord trainOne(GridSource src, org.ranksweep.trainer.data.Dataset data, long index, String sweep,
            int threads, LongAccumulator done,
            LongAccumulator diverged, LongAccumulator failed, LongAccumulator runMicros, LongAccumulator taskMs,
            DoubleAccumulator costDone, MaxAccumulator nativeBytes, MaxAccumulator heapBytes,
            LongAccumulator runCpuMicros) {
        long t0 = System.nanoTime();
        java.lang.management.ThreadMXBean threadBean = java.lang.management.ManagementFactory.getThreadMXBean();
        // -1 where the JVM does not measure thread CPU
        long cpu0 = threadBean.isCurrentThreadCpuTimeSupported() ? threadBean.getCurrentThreadCpuTime() : -1;
        ExecutorThreads.ensure(threads);
        // a machine whose BLAS computes wrongly fails the task (Spark retries it elsewhere, then stops the job)
        // rather than record wrong or FAILED runs
        org.ranksweep.trainer.linalg.BlasCheck.verify();
        Grid g = src.grid();
        RunConfig c = g.config(index);
        RunResult r;
        long r0 = System.nanoTime();
        try {
            r = data == null ? Trainer.run(c) : Trainer.run(c, data);
        } catch (RuntimeException e) {
            r = RunResult.failedBeforeTraining(c.fullRank(), e);
        }
        // in microseconds: on a fast core a small run takes under a millisecond, which r.wallMs rounds to 0
        runMicros.add((System.nanoTime() - r0) / 1000);
        done.add(1);
        costDone.add(cost(c));
        nativeBytes.add(r.nativeBytes);
        heapBytes.add(r.heapAllocatedBytes);
        if (r.status == RunStatus.DIVERGED) {
            diverged.add(1);
        } else if (r.status == RunStatus.FAILED) {
            failed.add(1);
        }
        SparkEnv env = SparkEnv.get();
        String executor = env == null ? "local" : env.executorId();
        RunRecord rec = new RunRecord(sweep, index, c, g.dataFingerprint(), r, executor, System.currentTimeMillis(), VERSION);
        taskMs.add((System.nanoTime() - t0) / 1_000_000);
        if (cpu0 >= 0) {
            runCpuMicros.add((threadBean.getCurrentThreadCpuTime() - cpu0) / 1000);
        }
        return rec;
    }

    /**
     * Recomputes summary and rank_curves from the run tables: on the driver when the trajectories fit
     * there ({@link LocalSummaries}, milliseconds), else with Spark SQL ({@link Summaries}); both give the
     * same tables.
     */
    static void writeSummaries(SparkSession spark, FileSystem fs, Path out, boolean onSpark) throws IOException {
        Path runsPath = new Path(out, Tables.RUNS);
        if (!fs.exists(runsPath)) {
            return;
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path trajPath = new Path(out, Tables.TRAJECTORIES);
        long t0 = System.nanoTime();
        long rows = onSpark ? Long.MAX_VALUE : TableFiles.rowCount(conf, fs, trajPath);
        if (rows <= LocalSummaries.MAX_TRAJECTORY_ROWS) {
            List<Row>[] both = LocalSummaries.compute(conf, fs, out, Tables.SUMMARY_SCHEMA, Tables.RANK_CURVES_SCHEMA);
            replace(fs, out, Tables.SUMMARY, tmp -> ParquetRows.write(conf, new Path(tmp, "part-00000.snappy.parquet"),
                    Tables.SUMMARY_SCHEMA, both[0]));
            replace(fs, out, Tables.RANK_CURVES, tmp -> ParquetRows.write(conf, new Path(tmp,
                    "part-00000.snappy.parquet"), Tables.RANK_CURVES_SCHEMA, both[1]));
            LOG.info("summary and rank_curves computed on the driver ({} trajectory rows) in {} ms", rows,
                    (System.nanoTime() - t0) / 1_000_000);
            return;
        }
        Summaries.registerUdfs(spark);
        Dataset<Row> runs = spark.read().parquet(runsPath.toString());
        Dataset<Row> traj = spark.read().parquet(trajPath.toString());
        replace(fs, out, Tables.SUMMARY, tmp -> Summaries.summary(runs).write().parquet(tmp.toString()));
        long t1 = System.nanoTime();
        replace(fs, out, Tables.RANK_CURVES, tmp -> Summaries.rankCurves(runs, traj).write().parquet(tmp.toString()));
        LOG.info("summary in {} ms, rank_curves in {} ms (Spark SQL)", (t1 - t0) / 1_000_000,
                (System.nanoTime() - t1) / 1_000_000);
    }

    /** Writes a table into a folder. */
    private interface TableWriter {
        void write(Path folder) throws IOException;
    }

    /** Writes a derived table beside its old version, then swaps them. */
    private static void replace(FileSystem fs, Path out, String table, TableWriter writer) throws IOException {
        Path tmp = new Path(out, "_" + table + ".new");
        fs.delete(tmp, true);
        writer.write(tmp);
        Path target = new Path(out, table);
        fs.delete(target, true);
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not move " + tmp + " to " + target);
        }
    }

    /** Refuses an output folder holding another sweep (unless --force or --append). */
    static void checkOutput(FileSystem fs, Path out, String name, String gridHash, Options o) throws IOException {
        if (!fs.exists(out)) {
            return;
        }
        if (!fs.getFileStatus(out).isDirectory()) {
            throw new GridException("--out", "must be a directory", out.toString());
        }
        Path manifest = new Path(out, MANIFEST);
        boolean empty = fs.listStatus(out).length == 0;
        if (empty) {
            return;
        }
        if (o.force) {
            LOG.warn("--force: deleting everything under {}", out);
            fs.delete(out, true);
            return;
        }
        if (!fs.exists(manifest)) {
            throw new GridException("--out", "holds files that are not a rank-sweep output; choose an empty or new "
                    + "directory (or --force to delete them)", out.toString());
        }
        JsonNode m;
        try (java.io.InputStream in = fs.open(manifest)) {
            m = new ObjectMapper().readTree(in);
        }
        String theirName = m.path("sweep").asText();
        String theirHash = m.path("grid_hash").asText();
        if (theirHash.equals(gridHash) || o.append) {
            return;
        }
        throw new GridException("--out", "holds sweep '" + theirName + "' from another grid (hash "
                + theirHash.substring(0, Math.min(12, theirHash.length())) + "); use --append to add this grid's runs "
                + "to it or --force to replace it", out.toString());
    }

    private static void writeManifest(FileSystem fs, Path out, String name, String gridHash, Instant started,
            Instant finished, Outcome r) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = json.createObjectNode();
        m.put("sweep", name);
        m.put("grid_hash", gridHash);
        m.put("grid_file", GRID_COPY);
        m.put("product", "rank-sweep");
        m.put("version", VERSION);
        m.put("started_at", started.toString());
        m.put("finished_at", finished == null ? null : finished.toString());
        if (r != null) {
            m.put("runs_total", r.total);
            m.put("runs_already_recorded", r.alreadyDone);
            m.put("runs_trained", r.trained);
            m.put("runs_diverged", r.diverged);
            m.put("runs_failed", r.failed);
        }
        writeText(fs, new Path(out, MANIFEST), json.writerWithDefaultPrettyPrinter().writeValueAsString(m));
    }

    private static void writeText(FileSystem fs, Path p, String text) throws IOException {
        Path tmp = new Path(p.getParent(), "." + p.getName() + ".tmp");
        try (OutputStream s = fs.create(tmp, true)) {
            s.write(text.getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(p, false);
        if (!fs.rename(tmp, p)) {
            throw new IOException("could not write " + p);
        }
    }

    /** Sets ND4J's threads once per executor JVM. */
    static final class ExecutorThreads {
        private static volatile int set = -1;

        private ExecutorThreads() {
        }

        static void ensure(int threads) {
            if (set != threads) {
                synchronized (ExecutorThreads.class) {
                    if (set != threads) {
                        ComputeThreads.set(threads, "per Spark task");
                        set = threads;
                    }
                }
            }
        }
    }
}
