package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ranksweep.sweep.grid.GridException;
import org.ranksweep.sweep.grid.GridParser;
import org.ranksweep.trainer.data.Dataset;
import org.ranksweep.trainer.data.Npy;
import org.ranksweep.trainer.data.SyntheticData;

/** X and Y given as Parquet (scalar or array columns) train exactly as the same values given as .npy. */
class ParquetDataTest {
    @TempDir
    Path tmp;

    private static final String GRID_TAIL = "train: {epochs: 12, learningRate: 0.1, checkpointEvery: 4}\n"
            + "grid:\n  architecture: [\"6-4-3:linear\", \"6-5-3:tanh\"]\n  noise: [none, gradient]\n  sigma: [0.05]\n";

    @Test
    void parquetColumnsTrainLikeTheSameNpyFiles() throws Exception {
        Dataset ds = SyntheticData.generate(6, 3, 30, 5, 0.1);
        writeParquet(ds);
        try (OutputStream o = Files.newOutputStream(tmp.resolve("x.npy"))) {
            Npy.write(o, ds.x, ds.samples, ds.inputs);
        }
        try (OutputStream o = Files.newOutputStream(tmp.resolve("y.npy"))) {
            Npy.write(o, ds.y, ds.samples, ds.outputs);
        }
        Files.writeString(tmp.resolve("npy.yaml"), "name: npy\ndata: {kind: file, x: x.npy, y: y.npy}\n" + GRID_TAIL);
        Files.writeString(tmp.resolve("scalars.yaml"), "name: scalars\ndata: {kind: parquet, path: scalars.parquet, "
                + "x: [x0, x1, x2, x3, x4, x5], y: [y0, y1, y2]}\n" + GRID_TAIL);
        Files.writeString(tmp.resolve("arrays.yaml"), "name: arrays\ndata: {kind: parquet, path: arrays.parquet, "
                + "x: features, y: targets}\n" + GRID_TAIL);
        Map<String, Double> npy = finalLosses("npy");
        Map<String, Double> scalars = finalLosses("scalars");
        Map<String, Double> arrays = finalLosses("arrays");
        assertEquals(4, npy.size());
        assertEquals(npy, scalars, "same values, same trajectories");
        assertEquals(npy, arrays);
    }

    private Map<String, Double> finalLosses(String name) throws Exception {
        Path out = tmp.resolve("out-" + name);
        SweepJob.Outcome o = SweepJob.run(SweepJobTest.options(tmp.resolve(name + ".yaml"), out, "local[2]"));
        assertEquals(4, o.trained); // 2 architectures x (none, gradient at one sigma)
        Map<String, Double> losses = new TreeMap<>();
        try (Connection c = SweepJobTest.duck()) {
            for (Map<String, Object> r : SweepJobTest.query(c, "SELECT architecture, noise, status, final_loss, data_kind FROM "
                    + SweepJobTest.table(out, "runs"))) {
                assertEquals("COMPLETED", r.get("status"));
                losses.put(r.get("architecture") + " " + r.get("noise"), ((Number) r.get("final_loss")).doubleValue());
            }
        }
        return losses;
    }

    private void writeParquet(Dataset ds) {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("ParquetDataTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            StructType scalar = new StructType();
            for (int i = 0; i < 6; i++) {
                scalar = scalar.add("x" + i, DataTypes.DoubleType);
            }
            for (int i = 0; i < 3; i++) {
                scalar = scalar.add("y" + i, DataTypes.DoubleType);
            }
            StructType array = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType))
                    .add("targets", DataTypes.createArrayType(DataTypes.DoubleType)).add("id", DataTypes.IntegerType);
            List<Row> sRows = new ArrayList<>();
            List<Row> aRows = new ArrayList<>();
            for (int j = 0; j < ds.samples; j++) {
                Object[] v = new Object[9];
                double[] f = new double[6];
                double[] t = new double[3];
                for (int i = 0; i < 6; i++) {
                    v[i] = ds.x[j * 6 + i];
                    f[i] = ds.x[j * 6 + i];
                }
                for (int i = 0; i < 3; i++) {
                    v[6 + i] = ds.y[j * 3 + i];
                    t[i] = ds.y[j * 3 + i];
                }
                sRows.add(RowFactory.create(v));
                aRows.add(RowFactory.create(f, t, j));
            }
            // one file each, so row order is the samples' order
            spark.createDataFrame(sRows, scalar).coalesce(1).write().parquet(tmp.resolve("scalars.parquet").toString());
            spark.createDataFrame(aRows, array).coalesce(1).write().parquet(tmp.resolve("arrays.parquet").toString());
        } finally {
            spark.stop();
        }
    }

    @Test
    void badParquetSettingsAreNamed() throws Exception {
        writeParquet(SyntheticData.generate(6, 3, 10, 1, 0.1));
        Path g = tmp.resolve("bad.yaml");
        Files.writeString(g, "name: b\ndata: {kind: parquet, path: scalars.parquet, x: [x0, x1, x9], y: [y0, y1, y2]}\n"
                + GRID_TAIL);
        GridException missing = assertThrows(GridException.class, () -> GridParser.parse(g));
        assertTrue(missing.getMessage().startsWith("data.x[2]: is not a column"), missing.getMessage());
        Files.writeString(g, "name: b\ndata: {kind: parquet, path: scalars.parquet, x: [x0, x1, x2], y: [y0, y1, y2]}\n"
                + GRID_TAIL);
        GridException width = assertThrows(GridException.class, () -> GridParser.parse(g));
        assertTrue(width.getMessage().startsWith("data.x: has 3 columns but the architecture's input width is 6"),
                width.getMessage());
        Files.writeString(g, "name: b\ndata: {kind: parquet, path: nothing.parquet, x: a, y: b}\n" + GRID_TAIL);
        assertThrows(GridException.class, () -> GridParser.parse(g));
    }
}
