package org.ranksweep.trainer.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ranksweep.trainer.bench.FlopModel;
import org.ranksweep.trainer.config.ConfigException;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.Precision;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataAnalysis;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.Dataset;
import org.ranksweep.trainer.linalg.BlasCheck;
import org.ranksweep.trainer.linalg.ComputeThreads;
import org.ranksweep.trainer.linalg.LayerRanks;
import org.ranksweep.trainer.linalg.SpectralMetrics;
import org.ranksweep.trainer.linalg.Svd;
import org.ranksweep.trainer.linalg.Tolerance;

/**
 * One run: one immutable {@link RunConfig} in, one {@link RunResult} out. No Spark, no shared state
 * but the read-only dataset cache, so many runs may go on at once in one JVM (one per Spark task slot).
 *
 * <p>An epoch is one pass over the data: one full-batch step, or ceil(m / batchSize) steps for
 * {@code sgd}. Checkpoints are taken at epoch 0, every {@code checkpointEvery} epochs and after the last
 * epoch; each records the clean loss and gradient (no noise, no dropout, all data), the singular values
 * of R = W_H...W_1 and the ranks of R and of every W_i at every tolerance.
 *
 * <p>A loss that stops being finite or passes {@code divergenceFactor} times the initial loss ends the
 * run as DIVERGED at that epoch; an exception ends it as FAILED. The trajectory so far is kept in both
 * cases. Given the same config and the same number of threads, the trajectory is the same bit for bit:
 * every random draw comes from streams seeded by the run seed (initial weights, noise, shuffles apart).
 */
public final class Trainer {
    private Trainer() {
    }

    /** How a run computes its loss and gradients. */
    public enum Path {
        /** The sufficient statistics where they apply and cost fewer FLOPs, else direct. */
        AUTO,
        /** Forward and backward passes over the samples. */
        DIRECT,
        /**
         * From the data's factors X = L Q^T, Y Q (see {@link DataAnalysis}): a step costs no work per sample.
         * Exact for full-batch linear networks whose step uses the clean gradient (none, gradient, jin-pgd,
         * spectral noise); any other run fails its config check.
         */
        SUFFICIENT_STATISTICS;

        /** The name in {@link RunResult#path}. */
        public String label() {
            return this == SUFFICIENT_STATISTICS ? "sufficient-statistics" : "direct";
        }
    }

    /** Where a run computes its checkpoints' spectra (the SVD of R and the layers' ranks). */
    public enum SpectraMode {
        /** On the training thread, at each checkpoint: for runs sharing a JVM (Spark tasks). */
        IN_LINE,
        /**
         * Held, and computed in batches on a pool of every core while training waits (see
         * {@link Trainer#SPECTRA_BATCH_BYTES}); training uses every core. The fastest for a single run whose spectra
         * cost less than its training (low-rank weights, as in Figure 1's gradient descent).
         */
        BATCHED,
        /**
         * On a pool as each checkpoint is taken, while training goes on, at most {@link Trainer#SPECTRA_IN_FLIGHT}
         * checkpoints waiting; training should then leave them a core. The fastest for a single run whose
         * spectra cost about as much as its training (full-rank layers: Figure 2's sigmoid network).
         */
        ALONGSIDE,
        /**
         * Every core takes parts of training's GEMMs, and between them (or while training works through a GEMM alone)
         * the checkpoints' spectra, as each checkpoint is taken (see {@link Lanes}); training never waits for a batch
         * unless {@link Trainer#SPECTRA_BATCH_BYTES} of copies wait. BLAS runs one thread per lane.
         */
        SHARED;

        /** The name on the command line. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /** The mode named {@code s} ({@link #label}); a {@link ConfigException} on {@code field} otherwise. */
        public static SpectraMode parse(String field, String s) {
            for (SpectraMode m : values()) {
                if (m.label().equals(s)) {
                    return m;
                }
            }
            throw new ConfigException(field, "must be one of in-line, batched, alongside, shared", s);
        }
    }

    /** The path {@link Path#AUTO} takes for {@code c} on m samples. */
    public static Path choosePath(RunConfig c, int samples) {
        return FlopModel.sufficientStatisticsCheaper(c, samples) ? Path.SUFFICIENT_STATISTICS : Path.DIRECT;
    }

    /** Starts or stops counting the time spent in the trainer's GEMM calls (for benchmarks; costs two clock reads a call). */
    public static void countGemmTime(boolean on) {
        Gemm.timing(on);
    }

    /** Nanoseconds counted so far in the trainer's GEMM calls, on every thread (see {@link #countGemmTime}). */
    public static long gemmNanos() {
        return Gemm.nanos();
    }

    /** Loads (or takes from the cache) the run's data, then trains. */
    public static RunResult run(RunConfig c) {
        return run(c, DataLoader.load(c.data));
    }

    /**
     * Trains on {@code data}, which must match the architecture's input and output widths
     * ({@link ConfigException} otherwise, before any training).
     */
    public static RunResult run(RunConfig c, Dataset data) {
        return run(c, data, SpectraMode.IN_LINE);
    }

    /**
     * As {@link #run(RunConfig, Dataset)}, with the checkpoints' spectra computed as {@code spectra} says.
     * In line, batched and alongside give the same results (given the same ND4J thread count). Shared makes every
     * BLAS call on one thread, in blocks whose float64 results are the bits of the whole call: its results are those
     * of a one-thread run, on any number of lanes (float32 GEMM blocks may differ in the last bit). All but in line
     * take less wall time for a single run in its own JVM (a laptop, a bench). {@link SpectraMode#BATCHED} and
     * {@link SpectraMode#SHARED} set ND4J's BLAS threads to one (during each batch, for the whole run), so they are
     * not for runs sharing a JVM (Spark tasks compute their spectra in line).
     */
    public static RunResult run(RunConfig c, Dataset data, SpectraMode spectra) {
        return run(c, data, spectra, Path.AUTO);
    }

    /** As {@link #run(RunConfig, Dataset, SpectraMode)}, on the given path (benchmarks and tests compare them). */
    public static RunResult run(RunConfig c, Dataset data, SpectraMode spectra, Path path) {
        BlasCheck.verify();
        if (path == Path.SUFFICIENT_STATISTICS && !c.sufficientStatisticsApply()) {
            throw new ConfigException("path", "applies only to linear networks trained on the clean full-batch gradient"
                    + " (noise none, gradient, jin-pgd or spectral), not " + c.architecture() + " with noise", c.noise);
        }
        if (data.inputs != c.widths[0]) {
            throw new ConfigException("data.x", "has " + data.inputs + " columns but the architecture's input width is "
                    + c.widths[0], c.data.kind == org.ranksweep.trainer.data.DataSpec.Kind.FILE ? c.data.xPath
                            : String.valueOf(data.inputs));
        }
        if (data.outputs != c.widths[c.depth()]) {
            throw new ConfigException("data.y", "has " + data.outputs + " columns but the architecture's output width is "
                    + c.widths[c.depth()], c.data.kind == org.ranksweep.trainer.data.DataSpec.Kind.FILE ? c.data.yPath
                            : String.valueOf(data.outputs));
        }
        if (c.noise == NoiseType.SGD && c.batchSize > data.samples) {
            throw new ConfigException("batchSize", "must be <= the number of samples " + data.samples, c.batchSize);
        }
        Run run = new Run(c, data, path == Path.AUTO ? choosePath(c, data.samples) : path);
        run.spectraMode = spectra;
        return run.execute();
    }

    /** A result with the weights it ended on (W_1..W_H, column-major): for tests and tools. */
    static final class Outcome {
        final RunResult result;
        final double[][] weights;

        Outcome(RunResult result, double[][] weights) {
            this.result = result;
            this.weights = weights;
        }
    }

    /** A run with batched spectra, and how many batches its spectra took. */
    static final class Batched {
        final RunResult result;
        final int batches;

        Batched(RunResult result, int batches) {
            this.result = result;
            this.batches = batches;
        }
    }

    /** Like {@link #run(RunConfig, Dataset, SpectraMode)} with batched spectra, a batch starting at {@code batchBytes}. */
    static Batched runBatched(RunConfig c, Dataset data, long batchBytes) {
        Run run = new Run(c, data, choosePath(c, data.samples));
        run.spectraMode = SpectraMode.BATCHED;
        run.spectraBatchBytes = batchBytes;
        RunResult r = run.execute();
        return new Batched(r, run.batches);
    }

    /**
     * Like {@link #run(RunConfig, Dataset, SpectraMode, Path)} with shared spectra, training computing spectra itself
     * whenever the copies waiting for theirs pass {@code inFlightBytes}.
     */
    static RunResult runShared(RunConfig c, Dataset data, Path path, long inFlightBytes) {
        BlasCheck.verify();
        Run run = new Run(c, data, path == Path.AUTO ? choosePath(c, data.samples) : path);
        run.spectraMode = SpectraMode.SHARED;
        run.spectraBatchBytes = inFlightBytes;
        return run.execute();
    }

    /** Like {@link #run(RunConfig, Dataset)}, also returning the final weights. */
    static Outcome runKeepingWeights(RunConfig c, Dataset data) {
        return runKeepingWeights(c, data, Path.AUTO);
    }

    /** Like {@link #runKeepingWeights(RunConfig, Dataset)}, on the given path. */
    static Outcome runKeepingWeights(RunConfig c, Dataset data, Path path) {
        Run run = new Run(c, data, path == Path.AUTO ? choosePath(c, data.samples) : path);
        run.keepWeights = true;
        RunResult r = run.execute();
        return new Outcome(r, run.finalWeights);
    }

    /**
     * With batched spectra, the checkpoint copies (R and every W_i) held before their spectra are computed:
     * once they reach this many bytes training waits for a batch. 9 checkpoints of Figure 1 (7 MB each), 3
     * at depth 5. The batch size barely matters to the time (Figure 1's direct run: 3.1-3.6 s with 2, 4, 8
     * or 16 checkpoints a batch, as much as repeated runs vary); it bounds the memory.
     */
    static final long SPECTRA_BATCH_BYTES = 64L << 20;

    /** Checkpoints whose spectra may still be computing alongside training. */
    private static final int SPECTRA_IN_FLIGHT = 2;

    /** A checkpoint whose spectra wait for the next batch: R^T and the W_i^T (as the network holds them) as they were then. */
    private static final class Held {
        final Pending pending;
        final double[] r;
        final double[][] layers;

        Held(Pending pending, double[] r, double[][] layers) {
            this.pending = pending;
            this.r = r;
            this.layers = layers;
        }
    }

    /** A checkpoint's synchronous part, and its spectra to come. */
    private static final class Pending {
        final int epoch;
        final double loss;
        final double gradNorm;
        final double optimal;
        final long elapsedMs;
        CompletableFuture<Spectra> spectra;

        Pending(int epoch, double loss, double gradNorm, double optimal, long elapsedMs) {
            this.epoch = epoch;
            this.loss = loss;
            this.gradNorm = gradNorm;
            this.optimal = optimal;
            this.elapsedMs = elapsedMs;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private static final class Spectra {
        final double[] sv;
        final int[] ranks;
        final int[][] layerRanks;
        final long nanos;

        Spectra(double[] sv, int[] ranks, int[][] layerRanks, long nanos) {
            this.sv = sv;
            this.ranks = ranks;
            this.layerRanks = layerRanks;
            this.nanos = nanos;
        }

        /** These spectra with layer {@code i}'s ranks (of {@code depth}) taken from {@code part}, its time added. */
        Spectra withLayer(int i, int depth, Spectra part) {
            int[][] lr = layerRanks == null ? new int[depth][] : layerRanks.clone();
            lr[i] = part.layerRanks[0];
            return new Spectra(sv, ranks, lr, nanos + part.nanos);
        }
    }

    /** The state of one run in progress. */
    private static final class Run {
        private final RunConfig c;
        private final Dataset data;
        private final Path path;
        /** The data's factors on the sufficient-statistics path; null on the direct path. */
        private Network.Factors factors;
        private final Tolerance[] tolerances;
        private final int primary;
        private final double eps;
        private final DataType dtype;
        private final int fullRank;
        private final List<Pending> pending = new ArrayList<>();
        /** Native buffers of this run beyond the network's, closed at its end. */
        private final List<INDArray> owned = new ArrayList<>();
        /** Buffers of the partial products W_(i+1)...W_1 (i >= 1), allocated at the first checkpoint and reused. */
        private INDArray[] partials;
        /** One per layer, used only by whichever thread computes spectra (one at a time). */
        private final LayerRanks[] layerRankers;
        /** Where SVD tasks (R and each W_i) run, batched, alongside or shared; null when computed in line. */
        private java.util.concurrent.Executor spectraThreads;
        /** The pool behind {@link #spectraThreads} when batched or alongside. */
        private ExecutorService spectraPool;
        /** The run's lanes with shared spectra (the training thread's GEMMs are split between them); else null. */
        private Lanes lanes;
        /** With shared spectra: ND4J's BLAS threads before the run, restored after it. */
        private int blasBefore;
        /** With shared spectra: bytes of checkpoint copies whose spectra are not done. */
        private final java.util.concurrent.atomic.AtomicLong inFlightBytes = new java.util.concurrent.atomic.AtomicLong();
        /** Checkpoints waiting for their spectra (batched spectra only), and the bytes of their copies. */
        private final List<Held> held = new ArrayList<>();
        private long heldBytes;
        /**
         * Copies of R and the W_i whose spectra are done, reused by the next checkpoints: a fresh 7 MB of
         * Figure 1's copies a checkpoint cost about 2 ms of zeroing and page faults on the training thread.
         * Never more than the copies in flight at once (a batch, alongside two checkpoints, in line one).
         */
        private final java.util.ArrayDeque<double[]> spareCopies = new java.util.ArrayDeque<>();
        /**
         * Held bytes that start a batch, or with shared spectra the copies in flight past which training computes
         * spectra too ({@link #SPECTRA_BATCH_BYTES}; tests make it smaller).
         */
        long spectraBatchBytes = SPECTRA_BATCH_BYTES;
        /** Batches computed so far. */
        int batches;
        /** The gradient noise of the next step is drawn here while this one trains. */
        private ExecutorService noiseThread;
        /** Each layer's last rank task: the next one for that layer runs after it (its LayerRanks is not shared). */
        private CompletableFuture<?>[] layerChain;
        /** The gradient noise being drawn on the noise thread; waited for before buffers are freed. */
        private CompletableFuture<Void> outstandingNoise;
        private long start;
        private long checkpointNanos;
        private long svdNanos;
        private double bound = Double.POSITIVE_INFINITY;
        private double lastLoss = Double.NaN;
        private boolean gradFresh;
        private double freshLoss;
        private boolean keepWeights;
        private SpectraMode spectraMode = SpectraMode.IN_LINE;
        private double[][] finalWeights;
        /** Epochs started so far. */
        private int epochsRun;
        /** Why training stopped early; null while it has not diverged. */
        private String divergence;

        Run(RunConfig c, Dataset data, Path path) {
            this.c = c;
            this.data = data;
            this.path = path;
            this.tolerances = c.parsedTolerances();
            this.primary = c.primaryIndex();
            this.eps = c.precision.eps;
            this.dtype = c.precision == Precision.FLOAT32 ? DataType.FLOAT : DataType.DOUBLE;
            this.fullRank = c.fullRank();
            this.layerRankers = new LayerRanks[c.depth()];
            for (int i = 0; i < layerRankers.length; i++) {
                layerRankers[i] = new LayerRanks();
            }
        }

        /** The run, its native matrices taken from and left to its thread's next run ({@link NativeArrays}). */
        RunResult execute() {
            // what a run allocates follows from these
            String shapes = java.util.Arrays.toString(c.widths) + " " + dtype + " " + data.samples + " "
                    + c.batchSize + " " + c.noise + " " + path;
            try (NativeArrays.Scope arrays = NativeArrays.open(shapes)) {
                return executeInScope(arrays);
            }
        }

        private RunResult executeInScope(NativeArrays.Scope arrays) {
            start = System.nanoTime();
            spareCopies.addAll(arrays.copies());
            if (spectraMode != SpectraMode.IN_LINE) {
                int cores = Runtime.getRuntime().availableProcessors();
                if (spectraMode == SpectraMode.SHARED) {
                    lanes = new Lanes(ComputeThreads.get(), "rank-sweep-lane");
                    blasBefore = ComputeThreads.blas(1);
                    Gemm.lanes(lanes);
                    spectraThreads = lanes.background();
                } else {
                    spectraPool = Executors.newFixedThreadPool(Math.max(1, cores), daemon("rank-sweep-spectra"));
                    spectraThreads = spectraPool;
                }
                noiseThread = Executors.newSingleThreadExecutor(daemon("rank-sweep-noise"));
                layerChain = new CompletableFuture<?>[c.depth()];
                java.util.Arrays.fill(layerChain, CompletableFuture.completedFuture(null));
            }
            DataReport report = null;
            double optimal = Double.NaN;
            RunStatus status = RunStatus.COMPLETED;
            String error = null;
            long nativeBytes = 0;
            long heap0 = HeapCounter.allocated();
            Network net = null;
            try {
                DataAnalysis analysis = DataAnalysis.of(data);
                report = new DataReport(analysis, c.widths);
                optimal = c.isLinear() ? analysis.optimalLoss(fullRank, c.loss) : Double.NaN;
                INDArray x = null;
                INDArray y = null;
                if (path == Path.SUFFICIENT_STATISTICS) {
                    factors = new Network.Factors(analysis.xFactor(), analysis.yProjected(), data.inputs, data.outputs,
                            analysis.factorRank, analysis.residual, data.samples, dtype);
                } else {
                    x = own(owned, Network.transposed(data.x, data.inputs, data.samples, dtype));
                    y = own(owned, Network.transposed(data.y, data.outputs, data.samples, dtype));
                }
                net = new Network(c.widths, c.hiddenActivation, c.outputActivation, c.loss, dtype,
                        Initializer.initialWeights(c));
                NoiseSource rng = new NoiseSource(Seeds.noise(c.seed));
                Steps steps = new Steps(c, net, x, y, rng, owned);
                if (!checkpoint(net, x, y, 0, optimal)) {
                    status = RunStatus.DIVERGED;
                    error = "initial loss is not finite: " + lastLoss;
                } else {
                    bound = c.divergenceFactor * Math.max(pending.get(0).loss, Double.MIN_NORMAL);
                    train(steps, net, x, y, optimal);
                    if (divergence != null) {
                        status = RunStatus.DIVERGED;
                        error = divergence;
                    }
                }
            } catch (Exception | AssertionError e) {
                status = RunStatus.FAILED;
                error = e.getClass().getName() + ": " + e.getMessage();
            } finally {
                if (net != null && keepWeights) {
                    finalWeights = new double[net.depth][];
                    for (int i = 0; i < net.depth; i++) {
                        finalWeights[i] = net.weights(i);
                    }
                }
                if (net != null) {
                    nativeBytes += net.bytes();
                    net.close();
                }
                if (factors != null) {
                    nativeBytes += factors.bytes();
                    factors.close();
                }
                if (outstandingNoise != null) {
                    try {
                        outstandingNoise.join();
                    } catch (RuntimeException ignored) {
                        // the run is over; only the buffers matter now
                    }
                }
                for (INDArray a : owned) {
                    nativeBytes += a.length() * a.dataType().width();
                    NativeArrays.release(a);
                }
            }
            long heapBytes = heap0 < 0 ? -1 : HeapCounter.allocated() - heap0;
            List<Checkpoint> checkpoints;
            try {
                checkpoints = collect();
                synchronized (spareCopies) {
                    arrays.keepCopies(spareCopies); // every copy is back: its spectra are done
                }
            } catch (RuntimeException e) {
                checkpoints = new ArrayList<>();
                status = RunStatus.FAILED;
                error = "spectra failed: " + e.getCause();
            } finally {
                for (ExecutorService e : new ExecutorService[] {spectraPool, noiseThread}) {
                    if (e != null) {
                        e.shutdownNow();
                    }
                }
                if (lanes != null) {
                    Gemm.lanes(null);
                    ComputeThreads.blas(blasBefore);
                    lanes.close();
                }
            }
            long wallMs = (System.nanoTime() - start) / 1_000_000;
            Checkpoint last = checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
            int ttf = -1;
            for (Checkpoint cp : checkpoints) {
                if (cp.rank == fullRank) {
                    ttf = cp.epoch;
                    break;
                }
            }
            double finalLoss = status == RunStatus.COMPLETED && last != null ? last.loss : lastLoss;
            return new RunResult(status, error, epochsRun, fullRank, last == null ? -1 : last.rank, ttf, finalLoss,
                    optimal, finalLoss - optimal, wallMs, checkpointNanos / 1_000_000, svdNanos / 1_000_000,
                    checkpoints.toArray(new Checkpoint[0]), report, path.label(), nativeBytes, heapBytes, layerRankFlops());
        }

        /**
         * The epoch loop; counts {@link #epochsRun} and sets {@link #divergence} when the loss diverged. Kept
         * apart from {@link #execute}'s once-per-run setup and teardown so that the JIT compiles (and
         * on-stack-replaces) a small method: compiling the whole of execute took C2 about a second.
         */
        private void train(Steps steps, Network net, INDArray x, INDArray y, double optimal) {
            for (int epoch = 1; epoch <= c.epochs; epoch++) {
                epochsRun = epoch;
                double stepLoss = steps.epoch(epoch);
                if (diverged(stepLoss)) {
                    divergence = divergenceMessage(stepLoss, epoch);
                    return;
                }
                if ((epoch % c.checkpointEvery == 0 || epoch == c.epochs) && !checkpoint(net, x, y, epoch, optimal)) {
                    divergence = divergenceMessage(lastLoss, epoch);
                    return;
                }
            }
        }

        /** What the layers' rank decisions cost in FLOPs (after {@link #collect}: every decision made). */
        private double layerRankFlops() {
            double f = 0;
            for (LayerRanks l : layerRankers) {
                f += l.flops();
            }
            return f;
        }

        private boolean diverged(double loss) {
            lastLoss = loss;
            return !Double.isFinite(loss) || loss > bound;
        }

        private String divergenceMessage(double loss, int epoch) {
            return Double.isFinite(loss)
                    ? "loss " + loss + " passed " + c.divergenceFactor + " x the initial loss at epoch " + epoch
                    : "loss became " + loss + " at epoch " + epoch;
        }

        /**
         * Records a checkpoint; false (and nothing recorded) when the clean loss has diverged. The
         * singular values are computed from copies of R and the W_i: in line, or, with batched spectra,
         * held until {@link #spectraBatchBytes} of copies wait and then computed together ({@link #flush}), or
         * alongside training.
         */
        private boolean checkpoint(Network net, INDArray x, INDArray y, int epoch, double optimal) {
            long t0 = System.nanoTime();
            double loss = cleanPass(net, x, y);
            gradFresh = true;
            freshLoss = loss;
            double gradNorm = net.gradientNorm();
            if (diverged(loss) || !Double.isFinite(gradNorm) || !net.weightsFinite()) {
                checkpointNanos += System.nanoTime() - t0;
                return false;
            }
            double[] spareR = spare(c.widths[c.depth()] * c.widths[0]);
            double[] r = factors != null ? net.productOfLastFactorPass(spareR) : product(net, spareR);
            double[][] layers = new double[c.depth()][];
            for (int i = 0; i < layers.length; i++) {
                layers[i] = net.transposedWeights(i, spare(c.widths[i + 1] * c.widths[i]));
            }
            Pending p = new Pending(epoch, loss, gradNorm, optimal, (System.nanoTime() - start) / 1_000_000);
            if (spectraThreads == null) {
                p.spectra = CompletableFuture.completedFuture(spectra(r, layers));
                recycle(r, layers);
            } else if (spectraMode == SpectraMode.SHARED) {
                long bytes = copyBytes(r, layers);
                inFlightBytes.addAndGet(bytes);
                // counted down however the spectra end: a failed task must not leave training waiting below
                p.spectra = spectraAsync(r, layers).whenComplete((s, failure) -> {
                    if (failure == null) {
                        recycle(r, layers);
                    }
                    inFlightBytes.addAndGet(-bytes);
                });
                // too many copies waiting: this thread computes spectra too until they fit
                while (inFlightBytes.get() > spectraBatchBytes) {
                    helpOrWait();
                }
            } else if (spectraMode == SpectraMode.ALONGSIDE) {
                int waitFor = pending.size() - SPECTRA_IN_FLIGHT;
                if (waitFor >= 0) {
                    pending.get(waitFor).spectra.join();
                }
                p.spectra = spectraAsync(r, layers).thenApply(s -> {
                    recycle(r, layers);
                    return s;
                });
            } else {
                held.add(new Held(p, r, layers));
                heldBytes += copyBytes(r, layers);
                if (heldBytes >= spectraBatchBytes) {
                    flush();
                }
            }
            pending.add(p);
            checkpointNanos += System.nanoTime() - t0;
            return true;
        }

        /** The clean full-batch loss and gradients, on the run's path. */
        private double cleanPass(Network net, INDArray x, INDArray y) {
            return factors != null ? net.lossAndGradients(factors) : net.lossAndGradients(x, y, Network.Dropout.NONE, true);
        }

        /**
         * As {@link #spectra}, as one task per matrix on the spectra threads: R's SVD, and each W_i's ranks
         * after that layer's previous checkpoint.
         */
        private CompletableFuture<Spectra> spectraAsync(double[] r, double[][] layers) {
            int h = c.depth();
            CompletableFuture<Spectra> ofR = CompletableFuture.supplyAsync(() -> {
                long ts = System.nanoTime();
                double[] sv = Svd.values(r, c.widths[0], c.widths[h]);
                return new Spectra(sv, Tolerance.ranks(tolerances, sv, c.widths[0], c.widths[h], eps), null,
                        System.nanoTime() - ts);
            }, spectraThreads);
            @SuppressWarnings("unchecked")
            CompletableFuture<Spectra>[] ofLayers = new CompletableFuture[h];
            for (int i = 0; i < h; i++) {
                int layer = i;
                ofLayers[i] = layerChain[i].thenApplyAsync(previous -> {
                    long ts = System.nanoTime();
                    int[] ranks = layerRankers[layer].ranks(layers[layer], c.widths[layer], c.widths[layer + 1],
                            tolerances, eps);
                    return new Spectra(null, null, new int[][] {ranks}, System.nanoTime() - ts);
                }, spectraThreads);
                layerChain[i] = ofLayers[i];
            }
            CompletableFuture<Spectra> all = ofR;
            for (int i = 0; i < h; i++) {
                int layer = i;
                all = all.thenCombine(ofLayers[i], (acc, part) -> acc.withLayer(layer, h, part));
            }
            return all;
        }

        /**
         * Singular values of R and ranks of R and of every W_i, from R^T and the W_i^T (the same singular values;
         * thread-safe: touches only its arguments).
         */
        private Spectra spectra(double[] r, double[][] layers) {
            long ts = System.nanoTime();
            int h = c.depth();
            double[] sv = Svd.values(r, c.widths[0], c.widths[h]);
            int[] ranks = Tolerance.ranks(tolerances, sv, c.widths[0], c.widths[h], eps);
            int[][] layerRanks = new int[h][];
            for (int i = 0; i < h; i++) {
                layerRanks[i] = layerRankers[i].ranks(layers[i], c.widths[i], c.widths[i + 1], tolerances, eps);
            }
            return new Spectra(sv, ranks, layerRanks, System.nanoTime() - ts);
        }

        /**
         * Computes the spectra of every held checkpoint on the spectra threads while training waits. ND4J's
         * BLAS drops to one thread meanwhile: its idle threads would otherwise take the cores from the
         * LAPACK calls (two SVDs at once then ran at half the speed of one after the other).
         */
        private void flush() {
            if (held.isEmpty()) {
                return;
            }
            batches++;
            int blasThreads = ComputeThreads.blas(1);
            try {
                for (Held h : held) {
                    h.pending.spectra = spectraAsync(h.r, h.layers);
                }
                for (Held h : held) {
                    h.pending.spectra.join();
                }
                for (Held h : held) {
                    recycle(h.r, h.layers);
                }
            } finally {
                ComputeThreads.blas(blasThreads);
                held.clear();
                heldBytes = 0;
            }
        }

        private static long copyBytes(double[] r, double[][] layers) {
            return 8L * (r.length + java.util.Arrays.stream(layers).mapToLong(l -> l.length).sum());
        }

        /** With shared spectra: runs a waiting spectra task on this thread, or waits briefly when none is waiting. */
        private void helpOrWait() {
            if (!lanes.runBackground()) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }

        /** The finished checkpoints, in order (waits for their spectra). */
        private List<Checkpoint> collect() {
            if (lanes != null) {
                for (Pending p : pending) {
                    while (!p.spectra.isDone()) {
                        helpOrWait();
                    }
                }
            } else if (spectraThreads != null) {
                flush();
            }
            List<Checkpoint> out = new ArrayList<>();
            for (Pending p : pending) {
                Spectra s = p.spectra.join();
                svdNanos += s.nanos;
                out.add(new Checkpoint(p.epoch, p.loss, p.gradNorm, s.ranks[primary], s.ranks, s.layerRanks, s.sv,
                        SpectralMetrics.effectiveRank(s.sv), SpectralMetrics.stableRank(s.sv),
                        Double.isNaN(p.optimal) ? Double.NaN : p.loss - p.optimal, p.elapsedMs));
            }
            return out;
        }

        /** A copy of {@code length} doubles whose spectra are done, or null. */
        private double[] spare(int length) {
            synchronized (spareCopies) {
                for (java.util.Iterator<double[]> it = spareCopies.iterator(); it.hasNext();) {
                    double[] a = it.next();
                    if (a.length == length) {
                        it.remove();
                        return a;
                    }
                }
                return null;
            }
        }

        /** Gives a checkpoint's copies back once its spectra are done. */
        private void recycle(double[] r, double[][] layers) {
            synchronized (spareCopies) {
                spareCopies.add(r);
                for (double[] l : layers) {
                    spareCopies.add(l);
                }
            }
        }

        /**
         * R^T = (W_H ... W_1)^T (d_0 x d_H) as a column-major double[], into {@code into} when it has R's length:
         * the product of the weights as the network holds them, transposed (and R's singular values are R^T's).
         */
        private double[] product(Network net, double[] into) {
            if (partials == null) {
                partials = new INDArray[c.depth()];
                for (int i = 1; i < c.depth(); i++) {
                    partials[i] = own(owned, NativeArrays.zeros(dtype, c.widths[0], c.widths[i + 1]));
                }
            }
            INDArray acc = net.w[0];
            for (int i = 1; i < c.depth(); i++) {
                Gemm.mul(acc, net.w[i], partials[i], false, false);
                acc = partials[i];
            }
            return Gemm.toDoubles(acc, into);
        }

        private static INDArray own(List<INDArray> owned, INDArray a) {
            owned.add(a);
            return a;
        }

        /** The step rule of each noise type. */
        private final class Steps {
            private final RunConfig c;
            private final Network net;
            private final INDArray x;
            private final INDArray y;
            private final NoiseSource rng;
            private final List<INDArray> owned;
            private final java.util.Random shuffle;
            /** Mini-batch buffers by batch size (the last batch of an epoch may be smaller). */
            private final java.util.Map<Integer, INDArray[]> batches = new java.util.HashMap<>();
            private INDArray[] noise;
            private INDArray[] spare;
            private CompletableFuture<Void> prefetched;
            private INDArray noisyData;
            private long stepCount;
            private long lastPerturbation;

            Steps(RunConfig c, Network net, INDArray x, INDArray y, NoiseSource rng, List<INDArray> owned) {
                this.c = c;
                this.net = net;
                this.x = x;
                this.y = y;
                this.rng = rng;
                this.owned = owned;
                this.shuffle = new java.util.Random(Seeds.shuffle(c.seed));
                this.lastPerturbation = -(long) c.jinInterval - 1;
            }

            /** Runs one epoch; returns the loss of its last step (noisy where the noise enters the forward pass). */
            double epoch(int epoch) {
                if (c.noise == NoiseType.SGD) {
                    return sgdEpoch();
                }
                double loss = fullBatchStep();
                stepCount++;
                return loss;
            }

            private double fullBatchStep() {
                double sigma = c.sigma;
                if (!c.stepUsesCleanGradient()) {
                    switch (c.noise) {
                        case INPUT:
                            return plainStep(perturbed(x, sigma), y);
                        case OUTPUT:
                            return plainStep(x, perturbed(y, sigma));
                        case GAUSSIAN_DROPOUT:
                            return droppedStep(Network.Dropout.gaussian(sigma, rng));
                        case BERNOULLI_DROPOUT:
                            return droppedStep(Network.Dropout.bernoulli(sigma, rng));
                        default:
                            throw new IllegalStateException("no full-batch step for " + c.noise);
                    }
                }
                double loss = cleanGradient();
                if (c.noise == NoiseType.GRADIENT && sigma > 0) {
                    INDArray[] eps = nextGradientNoise(sigma);
                    for (int i = 0; i < net.depth; i++) {
                        Gemm.axpy(1.0, eps[i], net.g[i]);
                    }
                } else if (c.noise == NoiseType.JIN_PGD && sigma > 0
                        && stepCount - lastPerturbation > c.jinInterval
                        && net.gradientNorm() <= c.jinGradThreshold) {
                    perturbInBall(sigma);
                    lastPerturbation = stepCount;
                    loss = cleanGradient();
                }
                net.step(c.learningRate);
                gradFresh = false;
                if (c.noise == NoiseType.SPECTRAL && sigma > 0) {
                    liftSpectra(sigma);
                }
                return loss;
            }

            private double plainStep(INDArray xs, INDArray ys) {
                double loss = net.lossAndGradients(xs, ys, Network.Dropout.NONE, true);
                net.step(c.learningRate);
                gradFresh = false;
                return loss;
            }

            private double droppedStep(Network.Dropout dropout) {
                double loss = net.lossAndGradients(x, y, dropout, true);
                net.step(c.learningRate);
                gradFresh = false;
                return loss;
            }

            /** The clean full-batch gradient at the current weights (reused from a checkpoint when fresh). */
            private double cleanGradient() {
                if (!gradFresh) {
                    freshLoss = cleanPass(net, x, y);
                    gradFresh = true;
                }
                return freshLoss;
            }

            /** data + N(0, sigma^2) per entry, in a buffer reused across steps. */
            private INDArray perturbed(INDArray base, double sigma) {
                if (noisyData == null) {
                    noisyData = own(owned, NativeArrays.zeros(dtype, base.rows(), base.columns()));
                }
                rng.gaussian(noisyData, 0.0, sigma);
                Gemm.axpy(1.0, base, noisyData);
                return noisyData;
            }

            /**
             * This step's N(0, sigma^2) gradient noise. With a noise thread the next step's noise is
             * drawn there while this step trains (two buffers, drawn strictly in step order from the
             * run's noise stream, so the values are the same as when drawn here).
             */
            private INDArray[] nextGradientNoise(double sigma) {
                if (noiseThread == null) {
                    INDArray[] eps = noiseBuffers();
                    fillGaussian(eps, sigma);
                    return eps;
                }
                if (prefetched == null) {
                    noiseBuffers();
                    spare = new INDArray[net.depth];
                    for (int i = 0; i < net.depth; i++) {
                        spare[i] = own(owned, NativeArrays.zeros(dtype, net.w[i].rows(), net.w[i].columns()));
                    }
                    INDArray[] first = noise;
                    prefetched = CompletableFuture.runAsync(() -> fillGaussian(first, sigma), noiseThread);
                }
                prefetched.join();
                INDArray[] ready = noise;
                noise = spare;
                spare = ready;
                INDArray[] next = noise;
                prefetched = CompletableFuture.runAsync(() -> fillGaussian(next, sigma), noiseThread);
                outstandingNoise = prefetched;
                return ready;
            }

            private void fillGaussian(INDArray[] buffers, double sigma) {
                for (INDArray b : buffers) {
                    rng.gaussian(b, 0.0, sigma);
                }
            }

            private INDArray[] noiseBuffers() {
                if (noise == null) {
                    noise = new INDArray[net.depth];
                    for (int i = 0; i < net.depth; i++) {
                        noise[i] = own(owned, NativeArrays.zeros(dtype, net.w[i].rows(), net.w[i].columns()));
                    }
                }
                return noise;
            }

            /** Jin et al.: W += xi, xi uniform in the ball of radius r over all weights. */
            private void perturbInBall(double r) {
                INDArray[] z = noiseBuffers();
                double sq = 0;
                long dim = 0;
                for (int i = 0; i < net.depth; i++) {
                    rng.gaussian(z[i], 0.0, 1.0);
                    sq += Gemm.sumSquares(z[i]);
                    dim += z[i].length();
                }
                double radius = r * Math.pow(rng.uniform(), 1.0 / dim);
                double scale = radius / Math.sqrt(sq);
                for (int i = 0; i < net.depth; i++) {
                    Gemm.axpy(scale, z[i], net.w[i]);
                }
                gradFresh = false;
            }

            /** Lemma 1: lift the (r+1)-th singular value of each W_i of rank r to sigma. */
            private void liftSpectra(double sigma) {
                Tolerance tol = tolerances[primary];
                for (int i = 0; i < net.depth; i++) {
                    int rows = c.widths[i + 1];
                    int cols = c.widths[i];
                    double[] a = net.weights(i);
                    Svd.Full f = Svd.thin(a, rows, cols);
                    int r = tol.rank(f.s, rows, cols, eps);
                    if (r >= f.k || f.s[r] >= sigma) {
                        continue;
                    }
                    double lift = sigma - f.s[r];
                    for (int j = 0; j < cols; j++) {
                        double v = lift * f.vt[j * f.k + r];
                        for (int k = 0; k < rows; k++) {
                            a[j * rows + k] += f.u[r * rows + k] * v;
                        }
                    }
                    net.setWeights(i, a);
                }
            }

            private double sgdEpoch() {
                int m = data.samples;
                int[] perm = new int[m];
                for (int i = 0; i < m; i++) {
                    perm[i] = i;
                }
                for (int i = m - 1; i > 0; i--) {
                    int j = shuffle.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
                double loss = 0;
                for (int from = 0; from < m; from += c.batchSize) {
                    int[] idx = java.util.Arrays.copyOfRange(perm, from, Math.min(m, from + c.batchSize));
                    INDArray[] b = batches.computeIfAbsent(idx.length, n -> new INDArray[] {
                        own(owned, NativeArrays.zeros(dtype, n, x.columns())),
                        own(owned, NativeArrays.zeros(dtype, n, y.columns()))});
                    Kernels.gatherSamples(data.x, data.inputs, idx, b[0]);
                    Kernels.gatherSamples(data.y, data.outputs, idx, b[1]);
                    loss = plainStep(b[0], b[1]);
                    stepCount++;
                    if (!Double.isFinite(loss) || loss > bound) {
                        return loss;
                    }
                }
                return loss;
            }
        }
    }
}
