package mmdigits.inference.scoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import mmdigits.inference.Instance;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.model.BusyException;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.NoModelException;
import mmdigits.inference.model.Scores;
import mmdigits.inference.model.UnknownModelException;

/**
 * Combines concurrent prediction requests for the same model into one ONNX Runtime call. A worker
 * takes the first waiting request and the requests for its model queued behind it up to {@code
 * inference.batch.max-size} samples; when the service is under load (its last batch held more than
 * one request) it waits up to {@code inference.batch.max-wait} for more. A lone request never
 * waits. A request larger than the batch size runs on its own.
 *
 * <p>Bounded: at most {@code inference.batch.max-queued} samples wait; a request that would go past
 * it fails at once with {@link BusyException} (503 with {@code Retry-After}), and so does a request
 * not scored within {@code inference.batch.timeout} (its samples are dropped if they have not run).
 * A worker survives anything a batch throws, {@link Error}s included (the batch's requests fail,
 * the next batch runs); {@link #health()} says whether the workers are alive, the queue moves, and
 * when the last {@code Error} was.
 */
@ApplicationScoped
public class MicroBatcher {
    /**
     * A request: {@code result} is completed by the worker (or cancelled when the request was given
     * up before it ran) and then releases the model; {@code answer} is what the caller waits for,
     * and may time out first. Its samples count against {@code max-queued} while {@code counted}
     * (until a worker takes it, or it times out).
     */
    private record Pending(
            LoadedModel model,
            List<Instance> instances,
            CompletableFuture<Scores> result,
            CompletableFuture<Scores> answer,
            long queuedNanos,
            AtomicBoolean counted) {}

    /**
     * What scores a batch: {@link LoadedModel#score(List)} in the service, a stand-in in tests of
     * failures.
     */
    @FunctionalInterface
    interface ModelCall {
        Scores score(LoadedModel model, List<Instance> instances) throws Exception;
    }

    /**
     * The batcher's state for readiness: {@code ready} when every worker lives, the queue moves and
     * no Error is recent.
     */
    public record Health(
            boolean ready,
            int workersAlive,
            int queuedSamples,
            long oldestWaitMs,
            String lastError,
            long lastErrorAgoMs) {}

    private final ModelRegistry registry;
    private final int maxSize;
    private final long maxWaitNanos;
    private final int maxQueued;
    private final Duration timeout;
    private final ModelCall call;
    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final AtomicInteger queuedSamples = new AtomicInteger();
    private final List<Thread> workers = new ArrayList<>();

    /** Per worker: when its running batch started (System.nanoTime), 0 while it waits. */
    private final AtomicLongArray runningSince;

    private final DistributionSummary batchSizes;
    private final Counter refused;
    private volatile boolean running = true;
    private volatile Throwable lastError;
    private volatile long lastErrorNanos;

    @Inject
    public MicroBatcher(ModelRegistry registry, InferenceConfig config, MeterRegistry meters) {
        this(registry, config, meters, LoadedModel::score);
    }

    MicroBatcher(
            ModelRegistry registry, InferenceConfig config, MeterRegistry meters, ModelCall call) {
        this.registry = registry;
        this.call = call;
        this.maxSize = Math.max(1, config.batch().maxSize());
        this.maxWaitNanos = config.batch().maxWait().toNanos();
        this.maxQueued = Math.max(1, config.batch().maxQueued());
        this.timeout = config.batch().timeout();
        this.refused =
                Counter.builder("mmdigits.inference.batch.refused")
                        .description(
                                "Requests refused because the queue was full or they timed out")
                        .register(meters);
        this.batchSizes =
                DistributionSummary.builder("mmdigits.inference.batch.size")
                        .description("Samples per ONNX Runtime call for HTTP requests")
                        .publishPercentileHistogram()
                        .minimumExpectedValue(1.0)
                        .maximumExpectedValue((double) Math.max(maxSize, 2))
                        .register(meters);
        int n = Math.max(1, config.batch().workers());
        this.runningSince = new AtomicLongArray(n);
        for (int i = 0; i < n; i++) {
            int worker = i;
            Thread t = new Thread(() -> work(worker), "micro-batcher-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
    }

    /**
     * Scores instances (already validated) with the alias' model. Fails with {@link
     * NoModelException} when it has none, at once, without queueing.
     */
    public CompletionStage<Scores> submit(List<Instance> instances) {
        return submit(null, null, instances);
    }

    /**
     * Scores instances with a model: the alias (name null), the newest loaded version of a name, or
     * a version. The model is held until the call has run, so a swap never closes it under the
     * call. Fails at once, without queueing, with {@link NoModelException} or {@link
     * UnknownModelException}.
     */
    public CompletionStage<Scores> submit(String name, String version, List<Instance> instances) {
        LoadedModel model;
        try {
            model = registry.acquire(name, version);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return submit(model, instances);
    }

    /**
     * Scores instances with a model the caller has taken a reference on (routed by {@link
     * CanaryRouter}); the reference is released once the call has run or the request failed.
     */
    public CompletionStage<Scores> submit(LoadedModel model, List<Instance> instances) {
        int n = instances.size();
        int before = queuedSamples.getAndAdd(n);
        if (before > 0
                && before + n
                        > maxQueued) { // a request larger than the bound still runs when nothing
            // waits
            queuedSamples.addAndGet(-n);
            model.release();
            refused.increment();
            return CompletableFuture.failedFuture(
                    new BusyException(
                            "the scoring queue is full ("
                                    + maxQueued
                                    + " samples waiting, inference.batch.max-queued); try again shortly",
                            timeout.dividedBy(10)));
        }
        CompletableFuture<Scores> result = new CompletableFuture<>();
        CompletableFuture<Scores> answer = new CompletableFuture<>();
        // the model is released when the work is over, never under a call that still runs after its
        // caller gave up
        result.whenComplete(
                (s, e) -> {
                    model.release();
                    if (e == null) {
                        answer.complete(s);
                    } else {
                        answer.completeExceptionally(e);
                    }
                });
        Pending pending =
                new Pending(
                        model,
                        instances,
                        result,
                        answer,
                        System.nanoTime(),
                        new AtomicBoolean(true));
        queue.add(pending);
        return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle(
                        (s, failure) -> {
                            uncount(pending);
                            Throwable e =
                                    failure instanceof CompletionException
                                                    && failure.getCause() != null
                                            ? failure.getCause()
                                            : failure;
                            if (e instanceof TimeoutException) {
                                refused.increment();
                                throw new BusyException(
                                        "not scored within "
                                                + timeout
                                                + " (inference.batch.timeout); the service is busy",
                                        timeout);
                            }
                            if (e != null) {
                                throw new CompletionException(e);
                            }
                            return s;
                        });
    }

    /**
     * Takes the next request that still waits for its scores (a timed-out one is dropped), or null
     * after the wait.
     */
    private Pending next(long wait, TimeUnit unit) throws InterruptedException {
        while (true) {
            Pending p = wait == 0 ? queue.pollFirst() : queue.pollFirst(wait, unit);
            if (p == null) {
                return null;
            }
            uncount(p);
            if (!p.answer().isDone()) {
                return p;
            }
            p.result().cancel(false); // given up (timed out) before it ran: releases its model
        }
    }

    private void uncount(Pending p) {
        if (p.counted().compareAndSet(true, false)) {
            queuedSamples.addAndGet(-p.instances().size());
        }
    }

    /** Puts a request taken too many back at the head of the queue. */
    private void putBack(Pending p) {
        if (p.counted().compareAndSet(false, true)) {
            queuedSamples.addAndGet(p.instances().size());
        }
        queue.addFirst(p);
    }

    /**
     * Whether the workers can serve: alive, the queue moving (neither the oldest waiting request
     * nor a running batch older than the request timeout), no {@link Error} within the request
     * timeout.
     */
    public Health health() {
        int alive = (int) workers.stream().filter(Thread::isAlive).count();
        long now = System.nanoTime();
        Pending oldest = queue.peekFirst();
        long oldestMs = oldest == null ? 0 : (now - oldest.queuedNanos()) / 1_000_000;
        for (int i = 0; i < runningSince.length(); i++) {
            long since = runningSince.get(i);
            oldestMs = since == 0 ? oldestMs : Math.max(oldestMs, (now - since) / 1_000_000);
        }
        Throwable error = lastError;
        long errorAgo = error == null ? -1 : (now - lastErrorNanos) / 1_000_000;
        boolean ready =
                alive == workers.size()
                        && oldestMs <= timeout.toMillis()
                        && (error == null || errorAgo > timeout.toMillis());
        return new Health(
                ready,
                alive,
                queuedSamples.get(),
                oldestMs,
                error == null ? null : error.toString(),
                errorAgo);
    }

    private void work(int worker) {
        boolean underLoad = false;
        List<Pending> batch = new ArrayList<>();
        while (running) {
            try {
                Pending first = next(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    underLoad = false;
                    continue;
                }
                batch.add(first);
                int size = first.instances().size();
                long deadline = System.nanoTime() + maxWaitNanos;
                while (size < maxSize) {
                    Pending next = next(0, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        long left = deadline - System.nanoTime();
                        if (!underLoad || left <= 0) {
                            break;
                        }
                        next = next(left, TimeUnit.NANOSECONDS);
                        if (next == null) {
                            break;
                        }
                    }
                    if (size + next.instances().size() > maxSize || next.model() != first.model()) {
                        putBack(next); // first in the next batch
                        break;
                    }
                    batch.add(next);
                    size += next.instances().size();
                }
                underLoad = batch.size() > 1;
                runningSince.set(worker, System.nanoTime());
                run(batch, size);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable t) {
                // anything at all (an OutOfMemoryError included): the batch has failed, the worker
                // goes on
                failed(batch, t);
            } finally {
                runningSince.set(worker, 0);
                batch.clear();
            }
        }
    }

    private void failed(List<Pending> batch, Throwable t) {
        if (t instanceof Error) {
            lastError = t;
            lastErrorNanos = System.nanoTime();
        }
        Log.errorf(t, "micro-batcher: a batch of %d requests failed", batch.size());
        for (Pending p : batch) {
            p.result().completeExceptionally(t);
        }
    }

    private void run(List<Pending> batch, int size) {
        List<Instance> all = new ArrayList<>(size);
        for (Pending p : batch) {
            all.addAll(p.instances());
        }
        try {
            Scores scores = call.score(batch.get(0).model(), all);
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
