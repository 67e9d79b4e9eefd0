package mmdigits.inference.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;

import mmdigits.inference.Instance;
import mmdigits.inference.config.InferenceConfig;

/**
 * Combines concurrent prediction requests for the same model into one ONNX Runtime call. A worker takes
 * the first waiting request and the requests for its model queued behind it up to
 * {@code inference.batch.max-size} samples; when the
 * service is under load (its last batch held more than one request) it waits up to
 * {@code inference.batch.max-wait} for more. A lone request never waits. A request larger than the
 * batch size runs on its own.
 */
@ApplicationScoped
public class MicroBatcher {
    private record Pending(LoadedModel model, List<Instance> instances, CompletableFuture<Scores> result) {
    }

    private final ModelRegistry registry;
    private final int maxSize;
    private final long maxWaitNanos;
    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final List<Thread> workers = new ArrayList<>();
    private final DistributionSummary batchSizes;
    private volatile boolean running = true;

    public MicroBatcher(ModelRegistry registry, InferenceConfig config, MeterRegistry meters) {
        this.registry = registry;
        this.maxSize = Math.max(1, config.batch().maxSize());
        this.maxWaitNanos = config.batch().maxWait().toNanos();
        this.batchSizes = DistributionSummary.builder("digits.batch.size").description("Samples per ONNX Runtime call for HTTP requests")
                .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue((double) Math.max(maxSize, 2))
                .register(meters);
        for (int i = 0; i < Math.max(1, config.batch().workers()); i++) {
            Thread t = new Thread(this::work, "micro-batcher-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
    }

    /**
     * Scores instances (already validated) with the alias' model. Fails with {@link NoModelException}
     * when it has none, at once, without queueing.
     */
    public CompletionStage<Scores> submit(List<Instance> instances) {
        return submit(null, null, instances);
    }

    /**
     * Scores instances with a model: the alias (name null), the newest loaded version of a name, or a
     * version. The model is held until the call has run, so a swap never closes it under the call.
     * Fails at once, without queueing, with {@link NoModelException} or {@link UnknownModelException}.
     */
    public CompletionStage<Scores> submit(String name, String version, List<Instance> instances) {
        LoadedModel model;
        try {
            model = registry.acquire(name, version);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Scores> f = new CompletableFuture<>();
        queue.add(new Pending(model, instances, f));
        return f.whenComplete((s, e) -> model.release());
    }

    private void work() {
        boolean underLoad = false;
        List<Pending> batch = new ArrayList<>();
        while (running) {
            try {
                Pending first = queue.pollFirst(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    underLoad = false;
                    continue;
                }
                batch.add(first);
                int size = first.instances().size();
                long deadline = System.nanoTime() + maxWaitNanos;
                while (size < maxSize) {
                    Pending next = queue.pollFirst();
                    if (next == null) {
                        long left = deadline - System.nanoTime();
                        if (!underLoad || left <= 0) {
                            break;
                        }
                        next = queue.pollFirst(left, TimeUnit.NANOSECONDS);
                        if (next == null) {
                            break;
                        }
                    }
                    if (size + next.instances().size() > maxSize || next.model() != first.model()) {
                        queue.addFirst(next); // first in the next batch
                        break;
                    }
                    batch.add(next);
                    size += next.instances().size();
                }
                underLoad = batch.size() > 1;
                run(batch, size);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                Log.error("micro-batcher failed", e);
            } finally {
                batch.clear();
            }
        }
    }

    private void run(List<Pending> batch, int size) {
        List<Instance> all = new ArrayList<>(size);
        for (Pending p : batch) {
            all.addAll(p.instances());
        }
        try {
            Scores scores = ModelRegistry.score(batch.get(0).model(), all);
            batchSizes.record(size);
            int from = 0;
            for (Pending p : batch) {
                int n = p.instances().size();
                p.result().complete(batch.size() == 1 ? scores : scores.slice(from, n));
                from += n;
            }
        } catch (Exception e) {
            for (Pending p : batch) {
                p.result().completeExceptionally(e);
            }
        }
    }

    @PreDestroy
    void stop() {
        running = false;
        workers.forEach(Thread::interrupt);
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(new IllegalStateException("the service is stopping"));
        }
    }
}
