package org.ranksweep.sweep.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local file system sets the permissions Hadoop asks for, in-process. */
class LocalFilesTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void posixBitsMapOwnerFirst() {
        assertEquals(PosixFilePermissions.fromString("rwxr-x---"), LocalFiles.Raw.posix(0750));
        assertEquals(PosixFilePermissions.fromString("rw-r--r--"), LocalFiles.Raw.posix(0644));
        assertEquals(PosixFilePermissions.fromString("-w---x-wx"), LocalFiles.Raw.posix(0213));
        assertEquals(PosixFilePermissions.fromString("---------"), LocalFiles.Raw.posix(0));
    }

    @Test
    void foldersAndFilesGetTheirPermissions() throws Exception {
        Configuration conf = LocalFiles.configuration();
        Path root = new Path(dir.toUri());
        FileSystem fs = FileSystem.newInstance(root.toUri(), conf);
        try {
            assertSame(LocalFiles.class, fs.getClass());
            Path folder = new Path(root, "a/b");
            fs.mkdirs(folder, new FsPermission((short) 0750));
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b"))));
            Path file = new Path(folder, "f.bin");
            try (FSDataOutputStream out = fs.create(file, new FsPermission((short) 0640), true, 4096, (short) 1, 1 << 20,
                    null)) {
                out.writeInt(42);
            }
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/f.bin"))));
            fs.setPermission(file, new FsPermission((short) 0600));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/f.bin"))));
            assertEquals(new FsPermission((short) 0600), fs.getFileStatus(file).getPermission());
            try (java.io.DataInputStream in = fs.open(file)) {
                assertEquals(42, in.readInt());
            }
        } finally {
            fs.close();
        }
    }

    @Test
    void theJobsSessionWritesThroughIt() throws Exception {
        SweepJob.Options o = new SweepJob.Options();
        o.master = "local[1]";
        o.conf.put("spark.ui.enabled", "false");
        SparkSession spark = SweepJob.session(o, "LocalFilesTest");
        try {
            Configuration conf = spark.sparkContext().hadoopConfiguration();
            try (FileSystem fs = FileSystem.newInstance(dir.toUri(), conf)) {
                assertSame(LocalFiles.class, fs.getClass());
            }
        } finally {
            spark.stop();
        }
    }
}
