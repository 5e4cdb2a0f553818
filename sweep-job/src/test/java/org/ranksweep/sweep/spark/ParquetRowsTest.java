package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.execution.datasources.parquet.SparkToParquetSchemaConverter;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver-side Parquet writer: Spark's own layout, and values that read back exactly. */
class ParquetRowsTest {
    @TempDir
    Path tmp;

    private static SparkToParquetSchemaConverter sparkConverter() {
        SQLConf conf = new SQLConf();
        conf.setConfString("spark.sql.parquet.writeLegacyFormat", "false");
        conf.setConfString("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
        return new SparkToParquetSchemaConverter(conf);
    }

    @Test
    void theTablesFileSchemasAreWhatSparkItselfWouldWrite() {
        for (StructType table : new StructType[] {Tables.RUNS_SCHEMA, Tables.TRAJECTORIES_SCHEMA}) {
            StructType file = Tables.fileSchema(table);
            assertEquals(sparkConverter().convert(file).toString(), ParquetRows.messageType(file).toString());
        }
    }

    @Test
    void valuesNullsAndNestedListsReadBackExactly() throws Exception {
        StructType schema = new StructType(new StructField[] {
            new StructField("s", DataTypes.StringType, false, Metadata.empty()),
            new StructField("i", DataTypes.IntegerType, true, Metadata.empty()),
            new StructField("l", DataTypes.LongType, false, Metadata.empty()),
            new StructField("d", DataTypes.DoubleType, true, Metadata.empty()),
            new StructField("b", DataTypes.BooleanType, false, Metadata.empty()),
            new StructField("t", DataTypes.TimestampType, false, Metadata.empty()),
            new StructField("xs", DataTypes.createArrayType(DataTypes.DoubleType, false), false, Metadata.empty()),
            new StructField("nested", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.IntegerType, false),
                    false), false, Metadata.empty()),
        });
        Timestamp ts = Timestamp.valueOf("2026-11-29 12:34:56.123456");
        List<Row> rows = List.of(
                RowFactory.create("a\u00e9", 7, 1L << 40, 2.5, true, ts, new double[] {1.5, -0.0},
                        new int[][] {{1, 2}, {}, {3}}),
                RowFactory.create("", null, -1L, null, false, new Timestamp(0), new double[0], new int[0][]));
        Path file = tmp.resolve("t.parquet");
        ParquetRows.write(new Configuration(), new org.apache.hadoop.fs.Path(file.toUri()), schema, rows);

        try (Connection c = SweepJobTest.duck()) {
            List<Map<String, Object>> got = SweepJobTest.query(c, "SELECT s, i, l, d, b, epoch_us(t) AS us, "
                    + "list_sum(xs) AS xsum, len(xs) AS xn, nested::VARCHAR AS nested FROM read_parquet('" + file
                    + "') ORDER BY l DESC");
            assertEquals("a\u00e9", got.get(0).get("s"));
            assertEquals(7, got.get(0).get("i"));
            assertEquals(1L << 40, got.get(0).get("l"));
            assertEquals(2.5, got.get(0).get("d"));
            assertEquals(true, got.get(0).get("b"));
            assertEquals(ParquetRows.micros(ts), ((Number) got.get(0).get("us")).longValue());
            // python3: datetime(2026, 11, 29, 12, 34, 56, 123456, tzinfo=timezone.utc).timestamp() * 1e6
            assertEquals(1795955696123456L, ParquetRows.micros(ts) + utcOffsetMicros(ts));
            assertEquals(1.5, ((Number) got.get(0).get("xsum")).doubleValue());
            assertEquals("[[1, 2], [], [3]]", got.get(0).get("nested"));
            assertEquals(null, got.get(1).get("i"));
            assertEquals(null, got.get(1).get("d"));
            assertEquals(0L, ((Number) got.get(1).get("xn")).longValue());
            assertEquals("[]", got.get(1).get("nested"));
        }
    }

    /** Timestamp.valueOf reads local time; the constant above is the same wall clock in UTC. */
    private static long utcOffsetMicros(Timestamp ts) {
        return java.util.TimeZone.getDefault().getOffset(ts.getTime()) * 1000L;
    }

    @Test
    void aNullInARequiredColumnIsRefusedWithItsName() {
        StructType schema = new StructType(new StructField[] {
            new StructField("must", DataTypes.StringType, false, Metadata.empty())});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParquetRows.write(
                new Configuration(), new org.apache.hadoop.fs.Path(tmp.resolve("n.parquet").toUri()), schema,
                List.of(RowFactory.create((Object) null))));
        assertEquals("column must is not nullable but was null", e.getMessage());
    }
}
