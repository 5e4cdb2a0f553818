package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's own Parquet reader: every row of every row group, projections, partitions and nulls. */
class TableFilesTest {
    /** Rows per partition file: enough for several row groups at {@link #ROW_GROUP_BYTES}. */
    private static final int ROWS = 1000;
    /** Parquet checks a row group's size every 100 rows, so this cuts a group at each check. */
    private static final long ROW_GROUP_BYTES = 1024;

    @TempDir
    Path tmp;

    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message t {"
            + " required binary name (STRING); required int32 epoch; optional double loss;"
            + " optional group xs (LIST) { repeated group list { required double element; } } }");

    /** Row i of partition p: name p-i, epoch i, loss i / 8 (null every seventh row), xs [i, -i] (i odd). */
    private static void write(Configuration conf, org.apache.hadoop.fs.Path file, String p) throws Exception {
        SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
                .withConf(conf).withType(SCHEMA).withRowGroupSize(ROW_GROUP_BYTES).build()) {
            for (int i = 0; i < ROWS; i++) {
                Group g = f.newGroup().append("name", p + "-" + i).append("epoch", i);
                if (i % 7 != 0) {
                    g.append("loss", i / 8.0);
                }
                if (i % 2 == 1) {
                    Group list = g.addGroup("xs");
                    list.addGroup("list").append("element", (double) i);
                    list.addGroup("list").append("element", (double) -i);
                }
                w.write(g);
            }
        }
    }

    @Test
    void everyRowOfEveryRowGroupReadsBackWithItsPartition() throws Exception {
        Configuration conf = LocalFiles.configuration();
        org.apache.hadoop.fs.Path table = new org.apache.hadoop.fs.Path(tmp.resolve("table").toUri());
        FileSystem fs = table.getFileSystem(conf);
        for (String p : new String[] {"a", "b"}) {
            write(conf, new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(table, Tables.PARTITION + "=" + p),
                    "part-0.parquet"), p);
        }
        org.apache.hadoop.fs.Path first = new org.apache.hadoop.fs.Path(table, Tables.PARTITION + "=a/part-0.parquet");
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(first, conf),
                HadoopReadOptions.builder(conf).build())) {
            assertTrue(r.getRowGroups().size() > 3, "row groups: " + r.getRowGroups().size());
        }
        assertEquals(2L * ROWS, TableFiles.rowCount(conf, fs, table));

        List<Map<String, Object>> all = TableFiles.read(conf, fs, table, null);
        assertEquals(2 * ROWS, all.size());
        for (int k = 0; k < all.size(); k++) {
            String p = k < ROWS ? "a" : "b";
            int i = k % ROWS;
            Map<String, Object> row = all.get(k);
            assertEquals(p + "-" + i, row.get("name"));
            assertEquals(i, row.get("epoch"));
            if (i % 7 == 0) {
                assertNull(row.get("loss"), "row " + k);
            } else {
                assertEquals(i / 8.0, row.get("loss"));
            }
            if (i % 2 == 1) {
                assertArrayEquals(new Object[] {(double) i, (double) -i}, (Object[]) row.get("xs"));
            } else {
                assertNull(row.get("xs"));
            }
            assertEquals(p, row.get(Tables.PARTITION));
        }

        List<Map<String, Object>> some = TableFiles.read(conf, fs, table, new String[] {"epoch", "absent", "name"});
        assertEquals(2 * ROWS, some.size());
        assertEquals(List.of("epoch", "name", Tables.PARTITION), List.copyOf(some.get(ROWS + 3).keySet()));
        assertEquals(3, some.get(ROWS + 3).get("epoch"));
        assertEquals("b-3", some.get(ROWS + 3).get("name"));
    }
}
