package mmdigits.inference.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mmdigits.inference.InferenceConfigs;
import mmdigits.inference.Instance;
import mmdigits.inference.ReferenceModel;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.model.BusyException;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.NoModelException;
import mmdigits.inference.model.Scores;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    @Test
    void concurrentRequestsShareCallsAndEachGetsItsOwnRows() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        InferenceConfig config =
                InferenceConfigs.of(
                        Map.of(
                                "inference.batch.max-size",
                                "16",
                                "inference.batch.max-wait",
                                "20ms"));
        ModelRegistry registry = new ModelRegistry(config, meters);
        ReferenceModel ref = new ReferenceModel(5);
        assertThat(registry.load(ref.release("v1", 1))).isTrue();
        MicroBatcher batcher = new MicroBatcher(registry, config, meters);
        try {
            Random r = new Random(3);
            int n = 64;
            List<Instance> xs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[][] s = ReferenceModel.sample(r);
                xs.add(new Instance(s[0], i % 4 == 0 ? null : s[1]));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Scores>> futures = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                CompletableFuture<Scores> f = new CompletableFuture<>();
                futures.add(f);
                Instance x = xs.get(i);
                Thread t =
                        new Thread(
                                () -> {
                                    try {
                                        start.await();
                                        batcher.submit(List.of(x))
                                                .whenComplete(
                                                        (s, e) -> {
                                                            if (e != null) {
                                                                f.completeExceptionally(e);
                                                            } else {
                                                                f.complete(s);
                                                            }
                                                        });
                                    } catch (InterruptedException e) {
                                        f.completeExceptionally(e);
                                    }
                                });
                t.start();
                threads.add(t);
            }
            start.countDown();
            for (int i = 0; i < n; i++) {
                Scores s = futures.get(i).get(10, TimeUnit.SECONDS);
                assertThat(s.n()).isEqualTo(1);
                double[] expected = ref.forward(xs.get(i).image(), xs.get(i).audio())[0];
                for (int k = 0; k < 10; k++) {
                    assertThat((double) s.probabilities(0)[k])
                            .isCloseTo(expected[k], Assertions.within(1e-5));
                }
            }
            var summary = meters.get("mmdigits.inference.batch.size").summary();
            assertThat(summary.totalAmount()).isEqualTo(n);
            assertThat(summary.count())
                    .as("ONNX Runtime calls for %d concurrent requests", n)
                    .isLessThan(n);
            assertThat(summary.max()).isLessThanOrEqualTo(16);

            // a request larger than the batch size runs on its own, rows in order
            Scores big =
                    batcher.submit(xs.subList(0, 40))
                            .toCompletableFuture()
                            .get(10, TimeUnit.SECONDS);
            assertThat(big.n()).isEqualTo(40);
            assertThat(big.label(39)).isEqualTo(ref.label(xs.get(39).image(), xs.get(39).audio()));
        } finally {
            batcher.stop();
            registry.close();
        }
    }

    @Test
    void withoutAModelARequestFailsAtOnce() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        InferenceConfig config = InferenceConfigs.of(Map.of());
        ModelRegistry registry = new ModelRegistry(config, meters);
        MicroBatcher batcher = new MicroBatcher(registry, config, meters);
        try {
            assertThatThrownBy(
                            () ->
                                    batcher.submit(List.of(new Instance(new float[784], null)))
                                            .toCompletableFuture()
                                            .get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(NoModelException.class);
        } finally {
            batcher.stop();
        }
    }

    @Test
    void aFullQueueAndASlowAnswerAre503sWithRetryAfter() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        InferenceConfig config =
                InferenceConfigs.of(
                        Map.of(
                                "inference.batch.max-size",
                                "1",
                                "inference.batch.max-queued",
                                "3",
                                "inference.batch.timeout",
                                "500ms"));
        ModelRegistry registry = new ModelRegistry(config, meters);
        assertThat(registry.load(new ReferenceModel(5).release("v1", 1))).isTrue();
        CountDownLatch release = new CountDownLatch(1);
        MicroBatcher batcher =
                new MicroBatcher(
                        registry,
                        config,
                        meters,
                        (m, xs) -> {
                            release.await();
                            return m.score(xs);
                        });
        try {
            List<Instance> one = List.of(new Instance(new float[784], null));
            CompletableFuture<Scores> running = batcher.submit(one).toCompletableFuture();
            Thread.sleep(100); // the worker holds it
            List<CompletableFuture<Scores>> waiting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiting.add(batcher.submit(one).toCompletableFuture());
            }
            // a fourth waiting sample is one too many: refused at once, not queued
            assertThatThrownBy(
                            () ->
                                    batcher.submit(one)
                                            .toCompletableFuture()
                                            .get(100, TimeUnit.MILLISECONDS))
                    .hasCauseInstanceOf(BusyException.class)
                    .hasMessageContaining("inference.batch.max-queued");
            assertThat(meters.get("mmdigits.inference.batch.refused").counter().count())
                    .isEqualTo(1.0);
            // the waiting ones time out: 503, and their samples leave the queue
            for (CompletableFuture<Scores> f : waiting) {
                assertThatThrownBy(() -> f.get(2, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(BusyException.class)
                        .hasMessageContaining("inference.batch.timeout");
            }
            assertThat(batcher.health().ready())
                    .as("the oldest request waits longer than the timeout")
                    .isFalse();
            release.countDown();
            assertThatThrownBy(() -> running.get(2, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(BusyException.class);
            // the queue drains; a new request is answered
            Scores s = batcher.submit(one).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(s.n()).isEqualTo(1);
            assertThat(batcher.health().queuedSamples()).isZero();
            assertThat(new BusyException("x", Duration.ofMillis(50)).retryAfterSeconds())
                    .isEqualTo(1);
            assertThat(new BusyException("x", Duration.ofMillis(2500)).retryAfterSeconds())
                    .isEqualTo(3);
        } finally {
            batcher.stop();
            registry.close();
        }
    }

    @Test
    void anErrorFailsItsBatchOnlyAndReadinessSaysSoUntilTheTimeoutPasses() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        InferenceConfig config = InferenceConfigs.of(Map.of("inference.batch.timeout", "400ms"));
        ModelRegistry registry = new ModelRegistry(config, meters);
        assertThat(registry.load(new ReferenceModel(5).release("v1", 1))).isTrue();
        boolean[] fail = {true};
        MicroBatcher batcher =
                new MicroBatcher(
                        registry,
                        config,
                        meters,
                        (m, xs) -> {
                            if (fail[0]) {
                                fail[0] = false;
                                throw new OutOfMemoryError("simulated");
                            }
                            return m.score(xs);
                        });
        try {
            List<Instance> one = List.of(new Instance(new float[784], null));
            assertThatThrownBy(
                            () ->
                                    batcher.submit(one)
                                            .toCompletableFuture()
                                            .get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(OutOfMemoryError.class);
            MicroBatcher.Health h = batcher.health();
            assertThat(h.ready()).isFalse();
            assertThat(h.workersAlive()).isEqualTo(1);
            assertThat(h.lastError()).contains("OutOfMemoryError: simulated");
            // the worker survived: the next request is scored
            assertThat(batcher.submit(one).toCompletableFuture().get(5, TimeUnit.SECONDS).n())
                    .isEqualTo(1);
            Thread.sleep(500);
            assertThat(batcher.health().ready())
                    .as("ready again once the timeout has passed without an Error")
                    .isTrue();
        } finally {
            batcher.stop();
            registry.close();
        }
    }
}
