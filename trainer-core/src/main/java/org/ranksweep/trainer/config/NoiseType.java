package org.ranksweep.trainer.config;

/**
 * How noise enters training, and what {@code sigma} means for each (the README repeats this table).
 * <ul>
 * <li>{@code none}: full-batch gradient descent; sigma unused.</li>
 * <li>{@code gradient}: Algorithm 1, W_i &lt;- W_i - eta (grad_i + eps), eps ~ N(0, sigma^2) per entry, fresh each step.</li>
 * <li>{@code sgd}: mini-batches of {@code batchSize} samples, reshuffled every epoch; sigma unused.</li>
 * <li>{@code input}: each step trains on X + eps, eps ~ N(0, sigma^2) per entry.</li>
 * <li>{@code output}: each step trains on Y + eps, eps ~ N(0, sigma^2) per entry.</li>
 * <li>{@code gaussian-dropout}: hidden activations multiplied by N(1, sigma^2) per entry, fresh each step.</li>
 * <li>{@code bernoulli-dropout}: hidden activations dropped with probability p = sigma, survivors scaled 1/(1-p).</li>
 * <li>{@code jin-pgd}: Jin et al. 2017; when ||grad|| &lt;= jinGradThreshold and no perturbation in the last
 *     jinInterval steps, add a point drawn uniformly from the ball of radius sigma (over all weights).</li>
 * <li>{@code spectral}: Lemma 1 of the study; after each step, each W_i of rank r &lt; min(d_i, d_(i-1)) at the
 *     primary tolerance gets its (r+1)-th singular value lifted to sigma.</li>
 * </ul>
 */
public enum NoiseType {
    NONE, GRADIENT, SGD, INPUT, OUTPUT, GAUSSIAN_DROPOUT, BERNOULLI_DROPOUT, JIN_PGD, SPECTRAL;

    /** Whether sigma changes what this noise type does (if not, the sigma axis collapses). */
    public boolean usesSigma() {
        return this != NONE && this != SGD;
    }

    /** Dropout on hidden activations. */
    public boolean isDropout() {
        return this == GAUSSIAN_DROPOUT || this == BERNOULLI_DROPOUT;
    }

    /**
     * Whether a step's gradient is the clean full-batch gradient at the current weights (noise, if
     * any, is added to the gradient or the weights, not to the forward pass).
     */
    public boolean stepUsesCleanGradient() {
        return this == NONE || this == GRADIENT || this == JIN_PGD || this == SPECTRAL;
    }

    public static NoiseType parse(String field, String value) {
        return Names.parse(NoiseType.class, field, value);
    }

    @Override
    public String toString() {
        return Names.external(this);
    }
}
