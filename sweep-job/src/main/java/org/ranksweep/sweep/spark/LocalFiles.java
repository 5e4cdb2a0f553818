package org.ranksweep.sweep.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file:}), with permissions set through Java NIO. Without Hadoop's
 * native library (which Spark does not ship) {@link RawLocalFileSystem} runs a {@code chmod} process for
 * every file and folder it creates: a fork of the whole JVM, some 90 a minute in a sweep's commits,
 * each costing milliseconds of CPU that the training threads lose. The job installs this class as
 * {@code fs.file.impl}; everything else is Hadoop's own.
 */
public final class LocalFiles extends LocalFileSystem {
    /** The Hadoop setting that selects the {@code file:} implementation. */
    public static final String IMPL_KEY = "fs.file.impl";

    public LocalFiles() {
        super(new Raw());
    }

    /** A Hadoop configuration whose {@code file:} paths use this class (unless the user chose another). */
    public static Configuration configuration() {
        Configuration conf = new Configuration();
        conf.setIfUnset(IMPL_KEY, LocalFiles.class.getName());
        return conf;
    }

    /** {@link RawLocalFileSystem} with {@link #setPermission} in-process. */
    public static final class Raw extends RawLocalFileSystem {
        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            java.nio.file.Path file = pathToFile(p).toPath();
            PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
            if (view == null || permission.getStickyBit()) {
                super.setPermission(p, permission); // no POSIX view (or a sticky bit NIO cannot set): Hadoop's way
                return;
            }
            view.setPermissions(posix(permission.toShort()));
        }

        /** The POSIX permission set of the low nine bits of {@code mode} (rwxrwxrwx, owner first). */
        static Set<PosixFilePermission> posix(int mode) {
            PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE
            Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
            for (int i = 0; i < bits.length; i++) {
                if ((mode & (1 << (bits.length - 1 - i))) != 0) {
                    s.add(bits[i]);
                }
            }
            return s;
        }
    }
}
