package mmdigits.viz.tsne;

/**
 * Settings of one t-SNE run (the defaults of the original paper and of scikit-learn, except the
 * learning rate, which is max(200, N/12) when {@code learningRate <= 0}).
 *
 * @param exactBelow use exact gradients when there are fewer points than this
 * @param fftFrom from this many points the repulsion is FFT-accelerated interpolation; Barnes-Hut
 *     between
 * @param approximateNeighboursFrom from this many points the input affinities use approximate
 *     nearest neighbours
 */
public record TsneConfig(
        double perplexity,
        double earlyExaggeration,
        int exaggerationIterations,
        int iterations,
        double learningRate,
        double theta,
        long seed,
        int exactBelow,
        int fftFrom,
        int approximateNeighboursFrom) {

    public static TsneConfig defaults() {
        return new TsneConfig(30, 12, 250, 1000, 0, 0.5, 42, 1000, 10000, 10000);
    }

    public TsneConfig withIterations(int exaggeration, int total) {
        return new TsneConfig(
                perplexity,
                earlyExaggeration,
                exaggeration,
                total,
                learningRate,
                theta,
                seed,
                exactBelow,
                fftFrom,
                approximateNeighboursFrom);
    }

    /**
     * Exact below n points, FFT from {@code fft}, approximate neighbours from {@code approximate}.
     */
    public TsneConfig withMethods(int n, int fft, int approximate) {
        return new TsneConfig(
                perplexity,
                earlyExaggeration,
                exaggerationIterations,
                iterations,
                learningRate,
                theta,
                seed,
                n,
                fft,
                approximate);
    }

    public TsneConfig withExactBelow(int n) {
        return withMethods(n, fftFrom, approximateNeighboursFrom);
    }

    public TsneConfig withPerplexity(double p) {
        return new TsneConfig(
                p,
                earlyExaggeration,
                exaggerationIterations,
                iterations,
                learningRate,
                theta,
                seed,
                exactBelow,
                fftFrom,
                approximateNeighboursFrom);
    }

    /** How the gradient of n points is computed. */
    public Tsne.Gradient gradient(int n) {
        return n < exactBelow
                ? Tsne.Gradient.EXACT
                : n < fftFrom ? Tsne.Gradient.BARNES_HUT : Tsne.Gradient.FFT;
    }

    double learningRate(int n) {
        return learningRate > 0 ? learningRate : Math.max(200, n / 12.0);
    }
}
