package org.ranksweep.sweep.spark;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.ranksweep.sweep.grid.Grid;
import org.ranksweep.sweep.grid.GridException;
import org.ranksweep.sweep.grid.ParquetSource;
import org.ranksweep.trainer.data.Dataset;

/** Reads X and Y of a {@link ParquetSource} with Spark, on the driver, into a {@link Dataset}. */
public final class ParquetData {
    private ParquetData() {
    }

    /** The grid's Parquet data, checked against every architecture of the grid. */
    public static Dataset readFor(SparkSession spark, Grid grid) {
        Dataset ds = read(spark, grid.parquet);
        checkWidths(grid, ds);
        return ds;
    }

    /** Every architecture of the grid must fit the Parquet data's widths (array columns are known only now). */
    private static void checkWidths(Grid grid, Dataset ds) {
        org.ranksweep.sweep.grid.Axis arch = grid.axis(org.ranksweep.sweep.grid.Setting.ARCHITECTURE);
        for (long i = 0; i < arch.size(); i++) {
            int[] w = org.ranksweep.trainer.config.RunConfig.builder().architecture((String) arch.get(i)).widths;
            if (w[0] != ds.inputs) {
                throw new GridException("data.x", "has " + ds.inputs + " values per row but " + arch.pathOf(i) + " takes "
                        + w[0], String.join(", ", grid.parquet.x));
            }
            if (w[w.length - 1] != ds.outputs) {
                throw new GridException("data.y", "has " + ds.outputs + " values per row but " + arch.pathOf(i) + " gives "
                        + w[w.length - 1], String.join(", ", grid.parquet.y));
            }
        }
    }

    public static Dataset read(SparkSession spark, ParquetSource src) {
        org.apache.spark.sql.Dataset<Row> df = spark.read().parquet(src.path);
        String[] cols = new String[src.x.length + src.y.length];
        System.arraycopy(src.x, 0, cols, 0, src.x.length);
        System.arraycopy(src.y, 0, cols, src.x.length, src.y.length);
        List<Row> rows = df.selectExpr(cols).collectAsList();
        int m = rows.size();
        boolean xArray = src.x.length == 1 && df.schema().apply(src.x[0]).dataType() instanceof ArrayType;
        boolean yArray = src.y.length == 1 && df.schema().apply(src.y[0]).dataType() instanceof ArrayType;
        int dx = xArray ? width(rows, 0, "data.x") : src.x.length;
        int dy = yArray ? width(rows, src.x.length, "data.y") : src.y.length;
        double[] x = new double[dx * m];
        double[] y = new double[dy * m];
        for (int j = 0; j < m; j++) {
            Row r = rows.get(j);
            fill(r, 0, xArray, dx, x, j, "data.x");
            fill(r, src.x.length, yArray, dy, y, j, "data.y");
        }
        return new Dataset(x, y, dx, dy, m);
    }

    private static int width(List<Row> rows, int col, String field) {
        if (rows.isEmpty() || rows.get(0).isNullAt(col)) {
            throw new GridException(field, "has a null in row 0", "null");
        }
        return rows.get(0).getList(col).size();
    }

    private static void fill(Row r, int first, boolean array, int d, double[] out, int j, String field) {
        if (array) {
            if (r.isNullAt(first)) {
                throw new GridException(field, "has a null in row " + j, "null");
            }
            List<Object> v = r.getList(first);
            if (v.size() != d) {
                throw new GridException(field, "row " + j + " has " + v.size() + " values, row 0 has " + d, v.size());
            }
            for (int i = 0; i < d; i++) {
                out[j * d + i] = ((Number) v.get(i)).doubleValue();
            }
        } else {
            for (int i = 0; i < d; i++) {
                if (r.isNullAt(first + i)) {
                    throw new GridException(field, "has a null in row " + j + ", column " + i, "null");
                }
                out[j * d + i] = ((Number) r.get(first + i)).doubleValue();
            }
        }
    }
}
