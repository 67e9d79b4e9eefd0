package mmdigits.viz.tsne;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.jtransforms.fft.FloatFFT_2D;

/**
 * The kernels of {@link FftRepulsion} between the nodes of a grid, Fourier-transformed once per
 * grid and node spacing and kept (the spacing repeats from one iteration to the next, see {@link
 * FftRepulsion#boxWidth}), and the FFT plans by grid size.
 */
final class FftKernels {
    private static final ConcurrentHashMap<Integer, FloatFFT_2D> PLANS = new ConcurrentHashMap<>();

    /** Kernel transforms by grid and spacing, the 4 most recent. */
    private static final Map<String, float[][]> KERNELS =
            new LinkedHashMap<>(8, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, float[][]> eldest) {
                    return size() > 4;
                }
            };

    private FftKernels() {}

    /**
     * The two kernels' transforms for a grid and spacing, [0] w and [1] the force kernel: the last
     * few are kept, as the spacing repeats.
     */
    static float[][] of(int grid, double h) {
        String key = grid + "/" + Double.doubleToLongBits(h);
        synchronized (KERNELS) {
            float[][] k = KERNELS.get(key);
            if (k != null) {
                return k;
            }
        }
        float[][] k = new float[2][];
        IntStream.range(0, 2).parallel().forEach(c -> k[c] = kernelTransform(grid, h, c == 1));
        synchronized (KERNELS) {
            KERNELS.put(key, k);
        }
        return k;
    }

    /**
     * The FFT of a kernel between grid nodes spaced h apart, as an m×m complex array (m = 2·grid):
     * w(d) = 1/(1+|d|²), or ({@code force}) w(d)²·d as d_x + i·d_y parts, d the offset of the
     * output node from the input node.
     */
    private static float[] kernelTransform(int grid, double h, boolean force) {
        int m = 2 * grid;
        float[] k = new float[m * 2 * m];
        for (int a = 0; a < m; a++) {
            if (a == grid) {
                continue;
            }
            double da = (a < grid ? a : a - m) * h;
            for (int b = 0; b < m; b++) {
                if (b == grid) {
                    continue;
                }
                double db = (b < grid ? b : b - m) * h;
                double q = 1 / (1 + da * da + db * db);
                int at = a * 2 * m + 2 * b;
                if (force) {
                    k[at] = (float) (q * q * da);
                    k[at + 1] = (float) (q * q * db);
                } else {
                    k[at] = (float) q;
                }
            }
        }
        plan(m).complexForward(k);
        return k;
    }

    /** The 2-D FFT of an m×m grid, one per size (a plan is reusable and thread-safe). */
    static FloatFFT_2D plan(int m) {
        return PLANS.computeIfAbsent(m, s -> new FloatFFT_2D(s, s));
    }
}
