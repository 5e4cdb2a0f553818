package org.ranksweep.sweep.grid;

import java.io.Serializable;
import java.util.List;


/**
 * The values of one swept setting, in file order, duplicates removed. A seed range
 * ({@code {from: 0, count: 1000000}}) is held as its bounds, not as a list.
 */
public final class Axis implements Serializable {
    private static final long serialVersionUID = 1L;

    public final Setting setting;
    /** Where the values came from in the grid file, e.g. {@code grid.sigma}. */
    public final String path;
    private final Object[] values;
    private final String[] paths;
    private final long rangeFrom;
    private final long rangeCount;

    Axis(Setting setting, String path, List<Object> values, List<String> paths) {
        this.setting = setting;
        this.path = path;
        this.values = values.toArray();
        this.paths = paths.toArray(new String[0]);
        this.rangeFrom = 0;
        this.rangeCount = -1;
    }

    Axis(Setting setting, String path, long from, long count) {
        this.setting = setting;
        this.path = path;
        this.values = null;
        this.paths = null;
        this.rangeFrom = from;
        this.rangeCount = count;
    }

    public long size() {
        return values != null ? values.length : rangeCount;
    }

    public Object get(long i) {
        return values != null ? values[(int) i] : Long.valueOf(rangeFrom + i);
    }

    /** The path of value i in the file, e.g. {@code grid.sigma[2]} (or {@code grid.seed.from+5} for a range). */
    public String pathOf(long i) {
        return values == null ? path + ".from+" + i : paths[(int) i];
    }
}
