package org.ranksweep.trainer.train;

import java.lang.management.ManagementFactory;

/** Bytes allocated on the Java heap by the current thread, where the JVM counts them (HotSpot does). */
final class HeapCounter {
    private static final com.sun.management.ThreadMXBean THREADS = threads();

    private HeapCounter() {
    }

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean t = ManagementFactory.getThreadMXBean();
        if (t instanceof com.sun.management.ThreadMXBean) {
            com.sun.management.ThreadMXBean s = (com.sun.management.ThreadMXBean) t;
            if (s.isThreadAllocatedMemorySupported() && s.isThreadAllocatedMemoryEnabled()) {
                return s;
            }
        }
        return null;
    }

    /** Bytes the current thread has allocated so far; -1 when the JVM does not say. */
    static long allocated() {
        return THREADS == null ? -1 : THREADS.getCurrentThreadAllocatedBytes();
    }
}
