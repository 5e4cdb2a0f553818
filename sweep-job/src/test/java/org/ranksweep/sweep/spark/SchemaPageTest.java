package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** notebooks/SCHEMA.md lists every column of every table, in the order read back, with its type and a meaning. */
class SchemaPageTest {
    /** A table as Spark and DuckDB read it back: the file's columns, then the partition column. */
    private static StructType readBack(StructType table) {
        return Tables.fileSchema(table).add(Tables.PARTITION, DataTypes.StringType);
    }

    @Test
    void everyColumnOfEveryTableIsDocumented() throws Exception {
        Map<String, StructType> tables = new LinkedHashMap<>();
        tables.put("runs", readBack(Tables.RUNS_SCHEMA));
        tables.put("trajectories", readBack(Tables.TRAJECTORIES_SCHEMA));
        tables.put("summary", Tables.SUMMARY_SCHEMA);
        tables.put("rank_curves", Tables.RANK_CURVES_SCHEMA);
        Map<String, List<String[]>> doc = new LinkedHashMap<>();
        List<String[]> current = null;
        for (String line : Files.readAllLines(Path.of("..", "notebooks", "SCHEMA.md"), StandardCharsets.UTF_8)) {
            if (line.startsWith("## ")) {
                current = new ArrayList<>();
                doc.put(line.substring(3).split(":")[0].trim(), current);
            } else if (current != null && line.startsWith("| ") && !line.startsWith("| column") && !line.startsWith("| ---")) {
                String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
                current.add(new String[] {cells[0].trim(), cells[1].trim(), cells[3].trim()});
            }
        }
        assertEquals(List.copyOf(tables.keySet()), List.copyOf(doc.keySet()), "sections");
        for (Map.Entry<String, StructType> t : tables.entrySet()) {
            List<String[]> rows = doc.get(t.getKey());
            StructField[] fields = t.getValue().fields();
            List<String> want = new ArrayList<>();
            List<String> got = new ArrayList<>();
            for (StructField f : fields) {
                want.add(f.name() + " " + f.dataType().simpleString());
            }
            for (String[] r : rows) {
                got.add(r[0] + " " + r[1]);
                assertFalse(r[2].isEmpty(), t.getKey() + "." + r[0] + " has no meaning");
            }
            assertEquals(want, got, t.getKey());
        }
    }
}
