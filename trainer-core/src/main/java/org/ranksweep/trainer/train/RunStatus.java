package org.ranksweep.trainer.train;

/** How a run ended. */
public enum RunStatus {
    /** Trained every epoch. */
    COMPLETED,
    /** Loss or weights stopped being finite, or the loss passed the divergence bound. */
    DIVERGED,
    /** An exception ended the run; the message is in the result. */
    FAILED
}
