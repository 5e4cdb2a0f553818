package org.ranksweep.trainer.train;

/** Independent streams derived from one run seed (SplitMix64 finaliser over distinct salts). */
final class Seeds {
    private static final long INIT_SALT = 0x5DEECE66DL;
    private static final long NOISE_SALT = 0x9E3779B97F4A7C15L;
    private static final long SHUFFLE_SALT = 0xC2B2AE3D27D4EB4FL;

    private Seeds() {
    }

    static long init(long seed) {
        return mix(seed ^ INIT_SALT);
    }

    static long noise(long seed) {
        return mix(seed ^ NOISE_SALT);
    }

    static long shuffle(long seed) {
        return mix(seed ^ SHUFFLE_SALT);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
