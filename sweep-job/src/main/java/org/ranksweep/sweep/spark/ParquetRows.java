package org.ranksweep.sweep.spark;

import java.io.IOException;
import java.lang.reflect.Array;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes rows of a Spark schema to one Parquet file straight from the calling JVM, with no Spark job:
 * the driver commits each batch this way, so committing never takes a task slot from training. The
 * file is what Spark itself writes with {@code spark.sql.parquet.writeLegacyFormat=false} and
 * {@code outputTimestampType=TIMESTAMP_MICROS}: standard three-level lists, UTF-8 strings,
 * timestamps as INT64 micros adjusted to UTC, Snappy pages, and Spark's schema in the footer, so
 * Spark reads back exactly the declared types and nullability, and DuckDB or pyarrow read it as any
 * Parquet file.
 *
 * <p>Row values are the Java types {@link Tables} puts in rows: String, Integer, Long, Double,
 * Boolean, {@link Timestamp}, and Java arrays (primitive or of objects, nested for nested lists).
 */
final class ParquetRows {
    /** The footer key Spark reads its own schema from. */
    static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

    private ParquetRows() {
    }

    /** The Parquet message type for {@code schema}, as Spark's non-legacy writer lays it out. */
    static MessageType messageType(StructType schema) {
        Types.MessageTypeBuilder b = Types.buildMessage();
        for (StructField f : schema.fields()) {
            b.addField(type(f.name(), f.dataType(), f.nullable()));
        }
        return b.named("spark_schema");
    }

    private static Type type(String name, DataType t, boolean nullable) {
        Type.Repetition rep = nullable ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
        if (t instanceof ArrayType) {
            ArrayType a = (ArrayType) t;
            return Types.buildGroup(rep).as(LogicalTypeAnnotation.listType())
                    .addField(Types.repeatedGroup().addField(type("element", a.elementType(), a.containsNull()))
                            .named("list"))
                    .named(name);
        }
        if (t.equals(DataTypes.StringType)) {
            return Types.primitive(PrimitiveTypeName.BINARY, rep).as(LogicalTypeAnnotation.stringType()).named(name);
        }
        if (t.equals(DataTypes.IntegerType)) {
            return Types.primitive(PrimitiveTypeName.INT32, rep).named(name);
        }
        if (t.equals(DataTypes.LongType)) {
            return Types.primitive(PrimitiveTypeName.INT64, rep).named(name);
        }
        if (t.equals(DataTypes.DoubleType)) {
            return Types.primitive(PrimitiveTypeName.DOUBLE, rep).named(name);
        }
        if (t.equals(DataTypes.BooleanType)) {
            return Types.primitive(PrimitiveTypeName.BOOLEAN, rep).named(name);
        }
        if (t.equals(DataTypes.TimestampType)) {
            return Types.primitive(PrimitiveTypeName.INT64, rep)
                    .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named(name);
        }
        throw new IllegalArgumentException("no Parquet mapping for column " + name + " of type " + t.simpleString());
    }

    /** Writes {@code rows} to a new file {@code file} (which must not exist). */
    static void write(Configuration conf, Path file, StructType schema, List<Row> rows) throws IOException {
        try (ParquetWriter<Row> w = new Builder(HadoopOutputFile.fromPath(file, conf), schema)
                .withConf(conf)
                .withWriteMode(ParquetFileWriter.Mode.CREATE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .build()) {
            for (Row r : rows) {
                w.write(r);
            }
        }
    }

    private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
        private final StructType schema;

        Builder(OutputFile file, StructType schema) {
            super(file);
            this.schema = schema;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Row> getWriteSupport(Configuration conf) {
            return new RowWriteSupport(schema);
        }
    }

    private static final class RowWriteSupport extends WriteSupport<Row> {
        private final StructType schema;
        private final StructField[] fields;
        private RecordConsumer out;

        RowWriteSupport(StructType schema) {
            this.schema = schema;
            this.fields = schema.fields();
        }

        @Override
        public WriteContext init(Configuration configuration) {
            Map<String, String> meta = new HashMap<>();
            meta.put(SPARK_SCHEMA_KEY, schema.json());
            meta.put("org.apache.spark.version", org.apache.spark.package$.MODULE$.SPARK_VERSION());
            return new WriteContext(messageType(schema), meta);
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Row row) {
            out.startMessage();
            for (int i = 0; i < fields.length; i++) {
                Object v = row.get(i);
                if (v == null) {
                    if (!fields[i].nullable()) {
                        throw new IllegalArgumentException("column " + fields[i].name() + " is not nullable but was null");
                    }
                    continue;
                }
                out.startField(fields[i].name(), i);
                value(fields[i].dataType(), v);
                out.endField(fields[i].name(), i);
            }
            out.endMessage();
        }

        private void value(DataType t, Object v) {
            if (t instanceof ArrayType) {
                DataType e = ((ArrayType) t).elementType();
                int n = Array.getLength(v);
                out.startGroup();
                if (n > 0) {
                    out.startField("list", 0);
                    for (int k = 0; k < n; k++) {
                        Object x = Array.get(v, k);
                        out.startGroup();
                        if (x != null) {
                            out.startField("element", 0);
                            value(e, x);
                            out.endField("element", 0);
                        }
                        out.endGroup();
                    }
                    out.endField("list", 0);
                }
                out.endGroup();
            } else if (t.equals(DataTypes.StringType)) {
                out.addBinary(Binary.fromString((String) v));
            } else if (t.equals(DataTypes.IntegerType)) {
                out.addInteger((Integer) v);
            } else if (t.equals(DataTypes.LongType)) {
                out.addLong((Long) v);
            } else if (t.equals(DataTypes.DoubleType)) {
                out.addDouble((Double) v);
            } else if (t.equals(DataTypes.BooleanType)) {
                out.addBoolean((Boolean) v);
            } else if (t.equals(DataTypes.TimestampType)) {
                out.addLong(micros((Timestamp) v));
            } else {
                throw new IllegalArgumentException("no Parquet mapping for " + t.simpleString());
            }
        }
    }

    /** Microseconds since the epoch (UTC) of a timestamp, its sub-millisecond digits included. */
    static long micros(Timestamp ts) {
        return Math.floorDiv(ts.getTime(), 1000L) * 1_000_000L + ts.getNanos() / 1000;
    }
}
