package mmdigits.viz.tsne;

/**
 * Settings of one t-SNE run (the defaults of the original paper and of scikit-learn, except the
 * learning rate, which is max(200, N/12) when {@code learningRate <= 0}).
 *
 * @param exactBelow use exact gradients when there are fewer points than this; Barnes-Hut otherwise
 */
public record TsneConfig(double perplexity, double earlyExaggeration, int exaggerationIterations, int iterations, double learningRate,
        double theta, long seed, int exactBelow) {

    public static TsneConfig defaults() {
        return new TsneConfig(30, 12, 250, 1000, 0, 0.5, 42, 1000);
    }

    public TsneConfig withIterations(int exaggeration, int total) {
        return new TsneConfig(perplexity, earlyExaggeration, exaggeration, total, learningRate, theta, seed, exactBelow);
    }

    public TsneConfig withExactBelow(int n) {
        return new TsneConfig(perplexity, earlyExaggeration, exaggerationIterations, iterations, learningRate, theta, seed, n);
    }

    public TsneConfig withPerplexity(double p) {
        return new TsneConfig(p, earlyExaggeration, exaggerationIterations, iterations, learningRate, theta, seed, exactBelow);
    }

    double learningRate(int n) {
        return learningRate > 0 ? learningRate : Math.max(200, n / 12.0);
    }
}
