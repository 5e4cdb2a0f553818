package org.ranksweep.trainer.config;

/**
 * How the weights W_1..W_H start.
 * <ul>
 * <li>{@code gaussian}: entries N(0, scale^2).</li>
 * <li>{@code xavier}: entries N(0, scale^2 * 2 / (fan_in + fan_out)) (Glorot normal; scale 1 is plain Glorot).</li>
 * <li>{@code orthogonal}: scale times a (semi-)orthogonal matrix.</li>
 * <li>{@code zero}: all zeros (a saddle: GD without noise never leaves it).</li>
 * <li>{@code truncated-rank}: gaussian N(0, scale^2), then each W_i's SVD cut to its top {@code rank} values.</li>
 * <li>{@code balanced-low-rank}: W_i = scale * Q_i S_i Q_(i-1)^T with orthonormal Q_i in R^(d_i x r) and
 *     random orthogonal S_i; every layer shares one r-dimensional subspace, so for a linear network
 *     noiseless GD provably keeps rank(R) &lt;= r.</li>
 * </ul>
 */
public enum InitScheme {
    GAUSSIAN, XAVIER, ORTHOGONAL, ZERO, TRUNCATED_RANK, BALANCED_LOW_RANK;

    public boolean usesRank() {
        return this == TRUNCATED_RANK || this == BALANCED_LOW_RANK;
    }

    public static InitScheme parse(String field, String value) {
        return Names.parse(InitScheme.class, field, value);
    }

    @Override
    public String toString() {
        return Names.external(this);
    }
}
