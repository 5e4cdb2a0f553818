package org.ranksweep.sweep.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads a results table (a folder of Parquet files, partition folders included) on the calling JVM,
 * without Spark: for the driver's summaries and the report, where the tables are small.
 */
public final class TableFiles {
    private TableFiles() {
    }

    /** Rows in the Parquet files under {@code table}, from their footers. */
    public static long rowCount(Configuration conf, FileSystem fs, Path table) throws IOException {
        ParquetReadOptions options = HadoopReadOptions.builder(conf).build();
        long n = 0;
        for (Path f : files(fs, table)) {
            try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(f, conf), options)) {
                n += r.getRecordCount();
            }
        }
        return n;
    }

    /**
     * Every row of a table as column name -> value: String, Integer, Long, Double, Boolean, lists as
     * Object[], the partition column too; only {@code columns} when given (null: all).
     *
     * <p>Each file is opened once, with read options built once from {@code conf}: Parquet's
     * conveniences ({@code ParquetReader.builder}, {@code ParquetFileReader.open(InputFile)}) each start
     * from a new Hadoop {@code Configuration}, which parses Hadoop's default XML files again, some 20 ms
     * a file.
     */
    public static List<Map<String, Object>> read(Configuration conf, FileSystem fs, Path table, String[] columns)
            throws IOException {
        ParquetReadOptions options = HadoopReadOptions.builder(conf).build();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Path f : files(fs, table)) {
            String partition = partitionValue(table, f);
            try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(f, conf), options)) {
                MessageType fileSchema = r.getFooter().getFileMetaData().getSchema();
                MessageType read = fileSchema;
                if (columns != null) {
                    List<Type> kept = new ArrayList<>();
                    for (String col : columns) {
                        if (fileSchema.containsField(col)) {
                            kept.add(fileSchema.getType(col));
                        }
                    }
                    read = new MessageType(fileSchema.getName(), kept);
                }
                r.setRequestedSchema(read);
                MessageColumnIO io = new ColumnIOFactory().getColumnIO(read, fileSchema);
                for (PageReadStore pages = r.readNextRowGroup(); pages != null; pages = r.readNextRowGroup()) {
                    RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(read));
                    for (long i = 0, n = pages.getRowCount(); i < n; i++) {
                        Group g = records.read();
                        Map<String, Object> m = new LinkedHashMap<>();
                        for (Type t : read.getFields()) {
                            m.put(t.getName(), value(g, t));
                        }
                        if (partition != null) {
                            m.put(Tables.PARTITION, partition);
                        }
                        rows.add(m);
                    }
                }
            }
        }
        return rows;
    }

    private static Object value(Group g, Type t) {
        String name = t.getName();
        if (g.getFieldRepetitionCount(name) == 0) {
            return null;
        }
        if (!t.isPrimitive()) { // a standard list: group (LIST) { repeated group list { element } }
            Group list = g.getGroup(name, 0);
            int n = list.getFieldRepetitionCount("list");
            Type element = ((GroupType) ((GroupType) t).getType("list")).getType("element");
            Object[] out = new Object[n];
            for (int i = 0; i < n; i++) {
                out[i] = value(list.getGroup("list", i), element);
            }
            return out;
        }
        PrimitiveType p = t.asPrimitiveType();
        switch (p.getPrimitiveTypeName()) {
            case INT32:
                return g.getInteger(name, 0);
            case INT64:
                return g.getLong(name, 0);
            case DOUBLE:
                return g.getDouble(name, 0);
            case FLOAT:
                return (double) g.getFloat(name, 0);
            case BOOLEAN:
                return g.getBoolean(name, 0);
            case BINARY:
                return g.getString(name, 0);
            default:
                throw new IllegalArgumentException("column " + name + " of type " + p + " is not read here");
        }
    }

    /** {@code noise=X} in the file's path under the table, or null. */
    private static String partitionValue(Path table, Path file) {
        for (Path p = file.getParent(); p != null && !p.equals(table); p = p.getParent()) {
            String n = p.getName();
            if (n.startsWith(Tables.PARTITION + "=")) {
                return n.substring(Tables.PARTITION.length() + 1); // noise names need no escaping
            }
        }
        return null;
    }

    /** Data files of a table, in path order (partition folders included, markers and hidden files skipped). */
    private static List<Path> files(FileSystem fs, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            String name = s.getPath().getName();
            if (name.startsWith("_") || name.startsWith(".")) {
                continue;
            }
            if (s.isDirectory()) {
                out.addAll(files(fs, s.getPath()));
            } else if (name.endsWith(".parquet")) {
                out.add(s.getPath());
            }
        }
        out.sort(Comparator.comparing(Path::toString));
        return out;
    }
}
