package org.ranksweep.trainer.train;

import java.io.Serializable;
import org.ranksweep.trainer.data.DataAnalysis;

/** Yun et al.'s assumptions as checked on one run's data and network. Plain values only. */
public final class DataReport implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int samples;
    public final int inputs;
    public final int outputs;
    public final int xRank;
    public final int yxtRank;
    public final double minRelativeGap;
    /** (i) narrowest width = min(d_x, d_y). */
    public final boolean widthAssumption;
    /** (ii) d_x, d_y &lt;= m. */
    public final boolean shapesWithinSamples;
    /** (iii) X X^T and Y X^T full rank. */
    public final boolean fullRankMoments;
    /** (iv) distinct singular values of Y X^T (X X^T)^-1 X. */
    public final boolean distinctSingularValues;

    public DataReport(DataAnalysis a, int[] widths) {
        this.samples = a.samples;
        this.inputs = a.inputs;
        this.outputs = a.outputs;
        this.xRank = a.xRank;
        this.yxtRank = a.yxtRank;
        this.minRelativeGap = a.minRelativeGap;
        this.widthAssumption = DataAnalysis.widthAssumptionMet(widths);
        this.shapesWithinSamples = a.shapesWithinSamples();
        this.fullRankMoments = a.xxtFullRank() && a.yxtFullRank();
        this.distinctSingularValues = a.distinctSingularValues();
    }

    /** All four of Yun et al.'s assumptions hold. */
    public boolean assumptionsMet() {
        return widthAssumption && shapesWithinSamples && fullRankMoments && distinctSingularValues;
    }
}
