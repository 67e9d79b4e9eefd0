package mmdigits.viz.report;

import java.util.function.Supplier;

/** A build stage's output and how long it took (seconds, for the report and the metrics). */
record Timed<T>(T value, double seconds) {

    static <T> Timed<T> of(Supplier<T> stage) {
        long start = System.nanoTime();
        T value = stage.get();
        return new Timed<>(value, secondsSince(start));
    }

    static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
