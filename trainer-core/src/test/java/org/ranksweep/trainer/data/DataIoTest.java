package org.ranksweep.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ranksweep.trainer.config.ConfigException;

class DataIoTest {
    @TempDir
    Path tmp;

    /** Row i, column j of the arrays make_reference.py wrote with numpy. */
    private static double expected(int i, int j) {
        return i + j / 10.0;
    }

    @Test
    void readsWhatNumpyWrote() throws IOException {
        for (String name : new String[] {"c_f8.npy", "fortran_f8.npy", "c_f4.npy"}) {
            try (InputStream in = getClass().getResourceAsStream("/npy/" + name)) {
                Npy.Array2 a = Npy.read(in, name);
                assertEquals(4, a.rows, name);
                assertEquals(3, a.cols, name);
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 3; j++) {
                        double tol = name.contains("f4") ? 1e-6 : 0;
                        assertEquals(expected(i, j), a.data[i * 3 + j], tol, name + " [" + i + "," + j + "]");
                    }
                }
            }
        }
        try (InputStream in = getClass().getResourceAsStream("/npy/vector_f8.npy")) {
            Npy.Array2 v = Npy.read(in, "vector");
            assertEquals(4, v.rows);
            assertEquals(1, v.cols);
        }
    }

    @Test
    void writesWhatItReadsAndNumpyWould() throws IOException {
        double[] data = new double[12];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                data[i * 3 + j] = expected(i, j);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, data, 4, 3);
        byte[] mine = out.toByteArray();
        byte[] numpy;
        try (InputStream in = getClass().getResourceAsStream("/npy/c_f8.npy")) {
            numpy = in.readAllBytes();
        }
        assertArrayEquals(numpy, mine, "byte-identical to numpy.save");
        Npy.Array2 back = Npy.read(new ByteArrayInputStream(mine), "mine");
        assertArrayEquals(data, back.data, 0);
    }

    @Test
    void csvWithHeaderAndFilesFeedTheTrainerAsSamplesByRow() throws IOException {
        Path x = tmp.resolve("x.csv");
        Path y = tmp.resolve("y.csv");
        Files.writeString(x, "a,b,c\n1,2,3\n4,5,6\n");
        Files.writeString(y, "7\n8\n");
        Dataset ds = DataLoader.load(DataSpec.files(x.toString(), y.toString()));
        assertEquals(3, ds.inputs);
        assertEquals(1, ds.outputs);
        assertEquals(2, ds.samples);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, ds.x, 0); // column j of X is sample j
    }

    @Test
    void badFilesNameTheField() throws IOException {
        Path x = tmp.resolve("x.csv");
        Files.writeString(x, "1,2\n3,4\n5,6\n");
        Path y = tmp.resolve("y.csv");
        Files.writeString(y, "1\n2\n");
        ConfigException rows = assertThrows(ConfigException.class,
                () -> DataLoader.load(DataSpec.files(x.toString(), y.toString())));
        assertTrue(rows.getMessage().startsWith("data.y: ") && rows.getMessage().contains("3 rows"), rows.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> DataLoader.load(DataSpec.files(tmp.resolve("nope.npy").toString(), y.toString())));
        assertTrue(missing.getMessage().startsWith("data.x: file not found") && missing.getMessage().contains("nope.npy"),
                missing.getMessage());
        Path bad = tmp.resolve("bad.csv");
        Files.writeString(bad, "1,2\n3,x\n");
        ConfigException cell = assertThrows(ConfigException.class,
                () -> DataLoader.load(DataSpec.files(bad.toString(), y.toString())));
        assertTrue(cell.getMessage().contains("line 2, column 2"), cell.getMessage());
        Path txt = tmp.resolve("x.txt");
        Files.writeString(txt, "1");
        assertThrows(ConfigException.class, () -> DataLoader.load(DataSpec.files(txt.toString(), y.toString())));
    }

    @Test
    void syntheticDataAreReproducibleAndMeetYunsAssumptions() {
        Dataset a = SyntheticData.generate(12, 5, 30, 7, 0.1);
        Dataset b = SyntheticData.generate(12, 5, 30, 7, 0.1);
        Dataset c = SyntheticData.generate(12, 5, 30, 8, 0.1);
        assertArrayEquals(a.x, b.x, 0);
        assertArrayEquals(a.y, b.y, 0);
        assertTrue(a.x[0] != c.x[0]);
        DataAnalysis an = DataAnalysis.of(a);
        assertEquals(12, an.xRank);
        assertEquals(5, an.yxtRank);
        assertTrue(an.dataAssumptionsMet());
        // too few samples: d_x > m breaks (ii) and (iii)
        DataAnalysis few = DataAnalysis.of(SyntheticData.generate(12, 5, 8, 7, 0.1));
        assertTrue(!few.shapesWithinSamples() && !few.xxtFullRank() && !few.dataAssumptionsMet());
        // a teacher without label noise still has distinct values; Y = 0 has no fit at all
        assertTrue(DataAnalysis.widthAssumptionMet(new int[] {10, 8, 4}));
        assertTrue(!DataAnalysis.widthAssumptionMet(new int[] {10, 3, 4}));
    }
}
