package org.ranksweep.sweep.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Every class the sweep ships between driver and executors, registered for
 * {@code spark.kryo.registrationRequired=true}. Only plain values travel: the grid as its YAML text,
 * run indices, and {@link RunRecord}s of primitives, strings and arrays.
 */
public final class SweepKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(RunRecord.class);
        kryo.register(GridSource.class);
        kryo.register(org.ranksweep.trainer.data.Dataset.class);
        kryo.register(int[].class);
        kryo.register(int[][].class);
        kryo.register(int[][][].class);
        kryo.register(long[].class);
        kryo.register(double[].class);
        kryo.register(double[][].class);
        kryo.register(String[].class);
        kryo.register(Object[].class);
        // Spark SQL's own values that travel with Kryo when it reads Parquet footers (schema merging)
        // and aggregates: registered by name, as several are Scala objects.
        for (String name : SPARK_CLASSES) {
            try {
                kryo.register(Class.forName(name));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Spark class " + name + " is missing: a Spark version mismatch?", e);
            }
        }
    }

    private static final String[] SPARK_CLASSES = {
        "org.apache.spark.sql.types.StructType",
        "[Lorg.apache.spark.sql.types.StructType;",
        "org.apache.spark.sql.types.StructField",
        "[Lorg.apache.spark.sql.types.StructField;",
        "org.apache.spark.sql.types.ArrayType",
        "org.apache.spark.sql.types.MapType",
        "org.apache.spark.sql.types.Metadata",
        "org.apache.spark.sql.types.IntegerType$",
        "org.apache.spark.sql.types.LongType$",
        "org.apache.spark.sql.types.DoubleType$",
        "org.apache.spark.sql.types.BooleanType$",
        "org.apache.spark.sql.types.TimestampType$",
        "org.apache.spark.sql.types.StringType",
        "org.apache.spark.sql.types.StringType$",
    };
}
