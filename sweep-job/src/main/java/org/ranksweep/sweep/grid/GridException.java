package org.ranksweep.sweep.grid;

import org.ranksweep.trainer.config.ConfigException;

/** A grid file was refused: the message names the path in the file, the rule and the value. */
public final class GridException extends ConfigException {
    private static final long serialVersionUID = 1L;

    public GridException(String path, String rule, Object value) {
        super(path, rule, value, "");
    }

    /** With {@code context} after the value, e.g. {@code " (with grid.architecture[1])"}. */
    public GridException(String path, String rule, Object value, String context) {
        super(path, rule, value, context);
    }
}
