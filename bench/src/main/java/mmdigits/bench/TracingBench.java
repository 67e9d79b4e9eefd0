package mmdigits.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import mmdigits.common.Topics;
import mmdigits.common.kafka.Producers;
import mmdigits.common.kafka.Splits;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Sample;
import mmdigits.common.security.Pem;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.localkafka.BrokerProcess;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.OtlpReceiver;
import mmdigits.localkafka.ServiceProcess;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The cost of tracing on the test stream, side by side in one run on one local broker: the
 * inference-service scores the same backlog of streamed samples with tracing off (the default: no
 * endpoint) and on (exporting every {@code score sample} span over OTLP/HTTP to a receiver in this
 * JVM, the SDK's default batch settings), as fresh processes in fresh consumer groups, in the order
 * off, on, on, off (so that a drift of the machine's speed weighs on both alike). Every sample
 * record carries a trace context of its own, as ingest writes one for a streamed sample, so "on"
 * extracts, starts, injects and exports per sample; "off" reads past the same headers. Printed and
 * written to {@code out/bench/tracing/results.json}: samples per second of each run, the spans the
 * receiver got, and the ratio on ÷ off of the medians.
 *
 * <pre>
 * bench/tracing.sh [--model out/model.onnx] [--data data/demo] [--copies 2]
 * </pre>
 */
public final class TracingBench {
    static final List<Boolean> ORDER = List.of(false, true, true, false);

    public static void main(String[] args) {
        Services.runAndExit(() -> run(args));
    }

    static void run(String[] args) throws Exception {
        Path root = Path.of(".").toAbsolutePath().normalize();
        Services.ModelInputs in = Services.ModelInputs.parse(args, root, "--copies", 2);
        List<Sample> split = InferenceBench.testSamples(in.data());
        int n = split.size() * in.number();
        System.out.printf(
                "model %s, %,d streamed samples (%d × the test split of %s), runs %s (tracing on?)%n",
                in.model(), n, in.number(), in.data(), ORDER);
        Path work = Files.createDirectories(root.resolve("out/bench/tracing"));
        Path keys = Keys.ensure(work.resolve("keys"));
        Map<String, Object> results = new LinkedHashMap<>();
        try (BrokerProcess broker = BrokerProcess.start(Files.createTempDirectory("bench-kafka"));
                OtlpReceiver otlp = OtlpReceiver.start(false)) {
            String bootstrap = broker.bootstrapServers();
            TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(60));
            publishBacklog(bootstrap, split, in.number());
            publishRelease(bootstrap, in.model(), in.data(), keys);
            List<Double> off = new ArrayList<>();
            List<Double> on = new ArrayList<>();
            for (int run = 0; run < ORDER.size(); run++) {
                boolean traced = ORDER.get(run);
                long spansBefore = otlp.count();
                double rate = scoreBacklog(root, work, keys, bootstrap, otlp, traced, run, n);
                (traced ? on : off).add(rate);
                System.out.printf(
                        Locale.ROOT,
                        "run %d, tracing %s: %.0f samples/s, %,d spans received%n",
                        run + 1,
                        traced ? "on " : "off",
                        rate,
                        otlp.count() - spansBefore);
            }
            results.put("samples", n);
            results.put("order", ORDER);
            results.put("off_samples_per_s", off);
            results.put("on_samples_per_s", on);
            results.put("spans_received", otlp.count());
            results.put("on_vs_off", median(on) / median(off));
        }
        System.out.printf(
                Locale.ROOT,
                "%ntracing on ÷ off (stream samples/s, medians): %.3f%n",
                (Double) results.get("on_vs_off"));
        Files.writeString(
                work.resolve("results.json"),
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(results));
        System.out.println("results: " + work.resolve("results.json"));
    }

    /**
     * The split {@code copies} times on the test topic as streamed samples (no publication), each
     * record with a trace context of its own, as ingest's {@code publish sample} writes it.
     */
    static void publishBacklog(String bootstrap, List<Sample> split, int copies) throws Exception {
        KafkaTracing contexts =
                KafkaTracing.of(
                        OpenTelemetry.propagating(
                                ContextPropagators.create(W3CTraceContextPropagator.getInstance())),
                        true);
        Random random = new Random(1);
        try (KafkaProducer<String, byte[]> p =
                Producers.idempotent(
                        bootstrap,
                        "bench-tracing-load",
                        Map.of(
                                ProducerConfig.LINGER_MS_CONFIG,
                                5,
                                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                                "lz4"))) {
            for (int copy = 0; copy < copies; copy++) {
                for (Sample s : split) {
                    ProducerRecord<String, byte[]> r = Splits.record(s, null);
                    contexts.inject(Span.wrap(randomContext(random)), r.headers());
                    p.send(r);
                }
            }
            p.flush();
        }
    }

    private static SpanContext randomContext(Random random) {
        return SpanContext.create(
                String.format("%016x%016x", random.nextLong() | 1, random.nextLong()),
                String.format("%016x", random.nextLong() | 1),
                TraceFlags.getSampled(),
                TraceState.getDefault());
    }

    static void publishRelease(String bootstrap, Path model, Path data, Path keys)
            throws Exception {
        try (KafkaProducer<String, byte[]> p =
                Producers.idempotent(
                        bootstrap,
                        "bench-tracing-release",
                        Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES))) {
            p.send(
                            ReleaseSignatures.record(
                                    InferenceBench.release(
                                                    Files.readAllBytes(model),
                                                    InferenceBench.meanTrainingAudio(data))
                                            .setReleaseSequence(1)
                                            .build(),
                                    Pem.privateKey(
                                            keys.resolve(Keys.RELEASE_SIGNING),
                                            ReleaseSignatures.ALGORITHM)))
                    .get();
        }
    }

    /**
     * A fresh inference-service in a fresh group scores the whole backlog; samples per second from
     * the first to the last of its predictions.
     */
    static double scoreBacklog(
            Path root,
            Path work,
            Path keys,
            String bootstrap,
            OtlpReceiver otlp,
            boolean traced,
            int run,
            int n)
            throws Exception {
        Map<TopicPartition, Long> from = endOffsets(bootstrap, Topics.PREDICTIONS);
        Map<String, String> env = new HashMap<>(Keys.env(keys));
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("INFERENCE_STREAM_GROUP_ID", "bench-tracing-" + run);
        if (traced) {
            env.putAll(otlp.serviceEnv());
        }
        try (ServiceProcess service =
                ServiceProcess.start(
                        root,
                        "inference-service",
                        BrokerProcess.freePort(),
                        env,
                        work.resolve("inference-service-" + (run + 1) + ".log"),
                        "/q/health/ready")) {
            return rateFrom(bootstrap, Topics.PREDICTIONS, from, n);
        }
    }

    static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) {
        try (KafkaConsumer<String, byte[]> c =
                InferenceBench.consumer(bootstrap, "bench-tracing-ends")) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            return new HashMap<>(c.endOffsets(parts));
        }
    }

    /** Records per second of the next {@code n} records after {@code from}, by their timestamps. */
    static double rateFrom(String bootstrap, String topic, Map<TopicPartition, Long> from, int n) {
        try (KafkaConsumer<String, byte[]> c =
                InferenceBench.consumer(bootstrap, "bench-tracing-watch")) {
            c.assign(from.keySet());
            from.forEach(c::seek);
            return InferenceBench.rateOfNext(c, n, Duration.ofMinutes(10), topic);
        }
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
