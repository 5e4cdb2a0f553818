package org.ranksweep.trainer.data;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} format (versions 1.0 to 3.0) for 2-D arrays of {@code <f8} or {@code <f4}, either
 * order. Arrays are returned row-major (C order), which for an (m, d) array with one sample per row is
 * the column-major d x m layout of {@link Dataset}.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** A 2-D array: {@code rows x cols} values in row-major order. */
    public static final class Array2 {
        public final double[] data;
        public final int rows;
        public final int cols;

        public Array2(double[] data, int rows, int cols) {
            this.data = data;
            this.rows = rows;
            this.cols = cols;
        }
    }

    public static Array2 read(InputStream raw, String name) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        byte[] magic = new byte[6];
        in.readFully(magic);
        for (int i = 0; i < 6; i++) {
            if (magic[i] != MAGIC[i]) {
                throw new IOException(name + ": not a .npy file (bad magic)");
            }
        }
        int major = in.readUnsignedByte();
        in.readUnsignedByte();
        long headerLen;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
        } else if (major == 2 || major == 3) {
            headerLen = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        } else {
            throw new IOException(name + ": unsupported .npy version " + major);
        }
        byte[] hb = new byte[(int) headerLen];
        in.readFully(hb);
        String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, name, "descr");
        boolean fortran = group(FORTRAN, header, name, "fortran_order").equals("True");
        String[] dims = group(SHAPE, header, name, "shape").split(",");
        long[] shape = new long[2];
        int nd = 0;
        for (String d : dims) {
            if (!d.isBlank()) {
                if (nd == 2) {
                    throw new IOException(name + ": expected a 2-D array, shape is (" + String.join(",", dims) + ")");
                }
                shape[nd++] = Long.parseLong(d.trim());
            }
        }
        if (nd == 1) {
            shape[1] = 1;
        } else if (nd != 2) {
            throw new IOException(name + ": expected a 2-D array, shape is ()");
        }
        int width;
        boolean f8;
        switch (descr) {
            case "<f8":
                width = 8;
                f8 = true;
                break;
            case "<f4":
                width = 4;
                f8 = false;
                break;
            default:
                throw new IOException(name + ": dtype " + descr + " not supported (use float64 '<f8' or float32 '<f4')");
        }
        long count = shape[0] * shape[1];
        if (count > Integer.MAX_VALUE / 8) {
            throw new IOException(name + ": array too large (" + shape[0] + "x" + shape[1] + ")");
        }
        byte[] body = new byte[(int) count * width];
        in.readFully(body);
        ByteBuffer bb = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        double[] out = new double[(int) count];
        for (int i = 0; i < count; i++) {
            double v = f8 ? bb.getDouble() : bb.getFloat();
            if (fortran) {
                int r = i % rows;
                int c = i / rows;
                out[r * cols + c] = v;
            } else {
                out[i] = v;
            }
        }
        return new Array2(out, rows, cols);
    }

    /** Writes a row-major {@code rows x cols} float64 array as {@code .npy} version 1.0, C order. */
    public static void write(OutputStream out, double[] data, int rows, int cols) throws IOException {
        if (data.length != (long) rows * cols) {
            throw new IllegalArgumentException(data.length + " values cannot be " + rows + "x" + cols);
        }
        String dict = String.format(Locale.ROOT, "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }",
                rows, cols);
        int unpadded = 6 + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        StringBuilder h = new StringBuilder(dict);
        for (int i = 0; i < pad; i++) {
            h.append(' ');
        }
        h.append('\n');
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.write(MAGIC);
        head.write(1);
        head.write(0);
        int len = h.length();
        head.write(len & 0xff);
        head.write((len >>> 8) & 0xff);
        head.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(head.toByteArray());
        ByteBuffer bb = ByteBuffer.allocate(8 * 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : data) {
            if (!bb.hasRemaining()) {
                out.write(bb.array(), 0, bb.position());
                bb.clear();
            }
            bb.putDouble(v);
        }
        out.write(bb.array(), 0, bb.position());
    }

    private static String group(Pattern p, String header, String name, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(name + ": .npy header has no '" + key + "': " + header.trim());
        }
        return m.group(1);
    }
}
