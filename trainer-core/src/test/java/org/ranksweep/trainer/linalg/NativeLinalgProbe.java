package org.ranksweep.trainer.linalg;

/** Run in a child JVM by {@link NativeLinalgTest}: prints what netlib runs on and a known spectrum. */
public final class NativeLinalgProbe {
    private NativeLinalgProbe() {
    }

    public static void main(String[] args) {
        System.out.println("linalg=" + NativeLinalg.describe());
        System.out.println("native=" + NativeLinalg.isNative());
        // diag(3, 2) padded to 2 x 3: singular values 3 and 2
        double[] a = {3, 0, 0, 2, 0, 0};
        double[] s = Svd.values(a, 2, 3);
        System.out.println("sv=" + s[0] + "," + s[1]);
    }
}
