package org.ranksweep.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ranksweep.trainer.config.InitScheme;
import org.ranksweep.trainer.config.NoiseType;
import org.ranksweep.trainer.config.Precision;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataLoader;
import org.ranksweep.trainer.data.DataSpec;
import org.ranksweep.trainer.data.Dataset;

class NativeArraysTest {
    @AfterEach
    void clear() {
        NativeArrays.clear();
    }

    @Test
    void outsideAScopeMatricesAreNewAndReleasingClosesThem() {
        INDArray a = NativeArrays.zeros(DataType.DOUBLE, 3, 4);
        assertEquals('f', a.ordering());
        assertEquals(0.0, a.sumNumber().doubleValue());
        NativeArrays.release(a);
        assertTrue(a.wasClosed());
        assertEquals(0, NativeArrays.kept()[0]);
    }

    @Test
    void theNextScopeOfTheKeyTakesTheLastScopesMatricesZeroed() {
        INDArray a;
        INDArray b;
        try (NativeArrays.Scope s = NativeArrays.open("k")) {
            a = NativeArrays.zeros(DataType.DOUBLE, 3, 4);
            b = NativeArrays.zeros(DataType.FLOAT, 3, 4);
            a.assign(7.0);
            b.assign(5.0);
            NativeArrays.release(a);
            assertFalse(a.wasClosed(), "the scope keeps what is released in it");
        }
        assertEquals(2, NativeArrays.kept()[0]);
        assertEquals(3 * 4 * 8 + 3 * 4 * 4, NativeArrays.kept()[1]);
        try (NativeArrays.Scope s = NativeArrays.open("k")) {
            INDArray c = NativeArrays.zeros(DataType.DOUBLE, 3, 4);
            assertSame(a, c, "the same type and shape: the kept matrix");
            assertArrayEquals(new double[12], c.data().asDouble(), "set to zero, as a new one");
            INDArray d = NativeArrays.zeros(DataType.DOUBLE, 4, 3);
            assertNotSame(a, d, "another shape: a new matrix");
            INDArray e = NativeArrays.zeros(DataType.DOUBLE, 3, 4);
            assertNotSame(a, e, "a kept matrix is handed out once");
        }
        assertTrue(b.wasClosed(), "what the run did not take is freed when it ends");
        assertEquals(3, NativeArrays.kept()[0]);
    }

    @Test
    void copiesAreHandedToTheNextScopeOfTheKeyOnceWithinTheLimit() {
        double[] small = new double[10];
        double[] large = new double[200];
        try (NativeArrays.Scope s = NativeArrays.open("k", 1000)) {
            assertEquals(0, s.copies().size());
            NativeArrays.zeros(DataType.DOUBLE, 5, 5); // 200 bytes, kept first
            s.keepCopies(java.util.List.of(small, large));
        }
        assertArrayEquals(new long[] {1, 200, 1, 80}, NativeArrays.kept(), "the large copy is past the limit");
        try (NativeArrays.Scope s = NativeArrays.open("k")) {
            java.util.List<double[]> got = s.copies();
            assertEquals(1, got.size());
            assertSame(small, got.get(0));
            assertEquals(0, s.copies().size(), "handed over once");
        }
        assertEquals(0, NativeArrays.kept()[2], "not given back: not kept");
        try (NativeArrays.Scope s = NativeArrays.open("k")) {
            s.keepCopies(java.util.List.of(small));
        }
        try (NativeArrays.Scope s = NativeArrays.open("other")) {
            assertEquals(0, s.copies().size(), "another key: nothing from the last run");
        }
    }

    @Test
    void anotherKeyFreesWhatWasKept() {
        INDArray a;
        try (NativeArrays.Scope s = NativeArrays.open("k")) {
            a = NativeArrays.zeros(DataType.DOUBLE, 3, 4);
        }
        try (NativeArrays.Scope s = NativeArrays.open("other")) {
            assertTrue(a.wasClosed(), "freed as the scope opens: a thread holds one run's matrices at most");
            assertNotSame(a, NativeArrays.zeros(DataType.DOUBLE, 3, 4));
        }
    }

    @Test
    void keepsNoMoreThanItsLimitAndNestedScopesLeaveItToTheOuterOne() {
        INDArray small;
        INDArray large;
        try (NativeArrays.Scope s = NativeArrays.open("k", 1000)) {
            small = NativeArrays.zeros(DataType.DOUBLE, 10, 10);
            try (NativeArrays.Scope inner = NativeArrays.open("k")) {
                large = NativeArrays.zeros(DataType.DOUBLE, 20, 10);
            }
            assertFalse(large.wasClosed(), "a nested scope's close leaves its matrices to the outer scope");
        }
        assertFalse(small.wasClosed());
        assertTrue(large.wasClosed(), "past the limit: freed");
        assertEquals(1, NativeArrays.kept()[0]);
    }

    @Test
    void aRunAfterARunOfItsShapesTakesItsMatricesAndTrainsTheSame() {
        for (NoiseType noise : new NoiseType[] {NoiseType.NONE, NoiseType.GAUSSIAN_DROPOUT, NoiseType.SPECTRAL}) {
            RunConfig c = RunConfig.builder().architecture("12-9-6:linear").init(InitScheme.BALANCED_LOW_RANK)
                    .initRank(2).initScale(0.3).noise(noise).sigma(0.05).learningRate(0.05).epochs(6)
                    .checkpointEvery(2).precision(Precision.FLOAT64).data(DataSpec.synthetic(0, 0, 40, 3, 0.1))
                    .build();
            Dataset ds = DataLoader.load(c.data);
            NativeArrays.clear();
            RunResult fresh = Trainer.run(c, ds, Trainer.SpectraMode.IN_LINE);
            long[] kept = NativeArrays.kept();
            assertTrue(kept[0] > 0, noise + ": the run's matrices are kept");
            assertEquals(fresh.nativeBytes, kept[1], noise + ": all of them, and nothing else");
            assertEquals(3, kept[2], noise + ": and the checkpoint's copies of R and the two layers");
            RunResult again = Trainer.run(c, ds, Trainer.SpectraMode.IN_LINE);
            assertArrayEquals(kept, NativeArrays.kept(), noise + ": the second run took the first's matrices");
            assertEquals(fresh.checkpoints.length, again.checkpoints.length);
            for (int i = 0; i < fresh.checkpoints.length; i++) {
                assertEquals(fresh.checkpoints[i].loss, again.checkpoints[i].loss, 0.0, noise + " loss at " + i);
                assertArrayEquals(fresh.checkpoints[i].singularValues, again.checkpoints[i].singularValues, 0.0,
                        noise + " singular values at " + i);
            }
        }
    }
}
