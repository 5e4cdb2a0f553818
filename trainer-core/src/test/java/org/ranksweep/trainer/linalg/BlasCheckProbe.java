package org.ranksweep.trainer.linalg;

/** Prints what {@link BlasCheck} finds in this JVM ("ok" when nothing), for {@link BlasCheckTest}'s child JVMs. */
public final class BlasCheckProbe {
    private BlasCheckProbe() {
    }

    public static void main(String[] args) {
        String problem = BlasCheck.problem();
        System.out.println(problem == null ? "ok" : problem);
    }
}
