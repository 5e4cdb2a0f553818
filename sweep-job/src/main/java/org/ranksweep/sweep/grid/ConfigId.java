package org.ranksweep.sweep.grid;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import org.ranksweep.trainer.config.RunConfig;
import org.ranksweep.trainer.data.DataSpec;

/**
 * A run's config id: the first 16 hex digits (64 bits) of SHA-256 over a canonical text of everything
 * that determines its result (every field of {@link RunConfig#toMap()}; for file data the files'
 * digest instead of their paths) and nothing else: not the sweep name, the output path or the master.
 */
public final class ConfigId {
    private ConfigId() {
    }

    public static String of(RunConfig c, String dataFingerprint) {
        return sha256(canonical(c, dataFingerprint)).substring(0, 16);
    }

    /** key=value lines in {@link RunConfig#toMap()} order; doubles in Java's shortest round-trip form. */
    static String canonical(RunConfig c, String dataFingerprint) {
        StringBuilder s = new StringBuilder("rank-sweep config v1\n");
        for (Map.Entry<String, Object> e : c.toMap().entrySet()) {
            Object v = e.getValue();
            String text;
            if (e.getKey().equals("data")) {
                DataSpec d = c.data;
                text = d.kind == DataSpec.Kind.SYNTHETIC
                        ? "synthetic:" + d.inputs + ":" + d.outputs + ":" + d.samples + ":" + d.seed + ":" + d.teacherNoise
                        : (d.kind == DataSpec.Kind.FILE ? "file:" : "provided:") + dataFingerprint;
            } else if (v instanceof int[]) {
                text = Arrays.toString((int[]) v);
            } else if (v instanceof String[]) {
                text = Arrays.toString((String[]) v);
            } else {
                text = String.valueOf(v);
            }
            s.append(e.getKey()).append('=').append(text).append('\n');
        }
        return s.toString();
    }

    /** SHA-256 of the UTF-8 bytes of {@code text}, in lower-case hex. */
    public static String sha256(String text) {
        MessageDigest md = sha256();
        return hex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return s.toString();
    }
}
