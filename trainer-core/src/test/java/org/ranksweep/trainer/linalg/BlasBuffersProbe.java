package org.ranksweep.trainer.linalg;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.Precision;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.train.Checkpoint;
import org.ranksweep.trainer.train.RunResult;
import org.ranksweep.trainer.train.Trainer;

/**
 * For {@link BlasBuffersTest}'s child JVMs: {@link BlasCheck}'s verdict, whether the buffers are preloaded, then a
 * fingerprint of small runs trained
 * on two threads at once, one BLAS thread each, as two Spark task slots train (every checkpoint's loss and singular
 * values, as raw bits).
 */
public final class BlasBuffersProbe {
    private BlasBuffersProbe() {
    }

    public static void main(String[] args) throws Exception {
        String problem = BlasCheck.problem();
        System.out.println(problem == null ? "ok" : problem);
        System.out.println(BlasBuffers.preloaded() ? "preloaded" : "not preloaded");
        System.out.println(fingerprint());
    }

    static String fingerprint() throws Exception {
        ComputeThreads.set(1, "per training thread, as per Spark task");
        List<Callable<String>> runs = new ArrayList<>();
        for (NoiseType noise : new NoiseType[] {NoiseType.NONE, NoiseType.GRADIENT, NoiseType.GAUSSIAN_DROPOUT}) {
            for (String arch : new String[] {"40-30-20:linear", "40-30-20:tanh"}) {
                RunConfig c = RunConfig.builder().architecture(arch).init(InitScheme.BALANCED_LOW_RANK).initRank(2)
                        .initScale(0.5).noise(noise).sigma(0.01).learningRate(0.05).epochs(60).checkpointEvery(20)
                        .precision(Precision.FLOAT64).data(DataSpec.synthetic(0, 0, 200, 1, 0.1)).build();
                runs.add(() -> print(Trainer.run(c)));
            }
        }
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            StringBuilder all = new StringBuilder();
            for (Future<String> f : two.invokeAll(runs)) {
                all.append(f.get()).append(';');
            }
            return all.toString();
        } finally {
            two.shutdown();
        }
    }

    private static String print(RunResult r) {
        StringBuilder s = new StringBuilder();
        for (Checkpoint c : r.checkpoints) {
            s.append(Long.toHexString(Double.doubleToRawLongBits(c.loss)));
            for (double v : c.singularValues) {
                s.append(',').append(Long.toHexString(Double.doubleToRawLongBits(v)));
            }
            s.append(' ');
        }
        return s.toString();
    }
}
