package mmdigits.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.Topics;
import mmdigits.common.kafka.Consumers;
import mmdigits.common.kafka.Producers;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.security.Pem;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.common.seed.SeedSplit;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import mmdigits.inference.grpc.oip.ModelInferRequest;
import mmdigits.inference.model.Scores;
import mmdigits.inference.scoring.OutputRecords;
import mmdigits.localkafka.BrokerProcess;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.ServiceProcess;
import mmdigits.trainer.training.FusionSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Inference throughput, side by side in one run on one local broker: the test-stream scorer next to
 * a consume-and-produce pass-through of the same records (both in Kafka transactions); then, in
 * {@value #ROUNDS} rounds (system property {@code bench.rounds}), raw ONNX Runtime (batch 1 and 64)
 * in this JVM and the inference-service over HTTP (single samples at concurrency 1 and 32 next to
 * its echo endpoint with the same body; batches of 64 next to raw batch 64 in JSON, KServe JSON,
 * KServe binary and gRPC; latency percentiles). Each ratio is reported as its median over the
 * rounds with the smallest and largest, because the machine's speed moves within minutes.
 *
 * <pre>
 * bench/inference.sh [--model out/model.onnx] [--data data/demo] [--seconds 5]
 * </pre>
 */
public final class InferenceBench {
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    public static void main(String[] args) {
        Services.runAndExit(() -> run(args));
    }

    static void run(String[] args) throws Exception {
        Path root = Path.of(".").toAbsolutePath().normalize();
        Services.ModelInputs in = Services.ModelInputs.parse(args, root, "--seconds", 5);
        byte[] onnx = Files.readAllBytes(in.model());
        List<Sample> samples = testSamples(in.data());
        float[] blank = meanTrainingAudio(in.data());
        System.out.printf(
                "model %s (%,d bytes), %,d test samples from %s, %d s per measurement, %d serving"
                        + " rounds%n",
                in.model(), onnx.length, samples.size(), in.data(), in.number(), rounds());
        Path work = Files.createDirectories(root.resolve("out/bench/inference"));
        Map<String, Double> once = new LinkedHashMap<>();
        List<Map<String, Double>> perRound = new ArrayList<>();
        // raw ONNX Runtime in this JVM, the service's session settings (measured in each round)
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = serviceSessionOptions();
                OrtSession session = env.createSession(onnx, options)) {
            Raw raw = new Raw(env, session, samples, in.number());
            measureAgainstService(root, work, release(onnx, blank), samples, raw, once, perRound);
        }
        writeResults(work, summary(once, perRound));
    }

    /** The test split, in row order. */
    static List<Sample> testSamples(Path data) throws Exception {
        List<Sample> samples = new ArrayList<>();
        try (SeedSplit test = SeedSplit.open(data, Split.TEST, n -> {})) {
            for (long i = 0; i < test.rows(); i++) {
                samples.add(test.sample("bench", i));
            }
        }
        return samples;
    }

    /** The release's blank audio: the mean of (up to 10,000) training samples' audio. */
    static float[] meanTrainingAudio(Path data) throws Exception {
        float[] blank = new float[Dimensions.AUDIO];
        try (SeedSplit train = SeedSplit.open(data, Split.TRAIN, n -> {})) {
            long n = Math.min(train.rows(), 10_000);
            for (long i = 0; i < n; i++) {
                Sample s = train.sample("bench", i);
                for (int j = 0; j < blank.length; j++) {
                    blank[j] += s.getAudio(j) / n;
                }
            }
        }
        return blank;
    }

    private static OrtSession.SessionOptions serviceSessionOptions() throws Exception {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    static ModelRelease.Builder release(byte[] onnx, float[] blank) {
        ModelRelease.Builder release =
                ModelRelease.newBuilder()
                        .setName("digits")
                        .setVersion("bench")
                        .setCreatedMs(System.currentTimeMillis())
                        .setDataset("bench")
                        .setOnnx(ByteString.copyFrom(onnx));
        for (float v : blank) {
            release.addBlankAudio(v);
        }
        return release;
    }

    /**
     * A local broker and the inference-service on it: the stream figures once (the service scores
     * the backlog as soon as the model is loaded), then the serving rounds; both are stopped after,
     * or on Ctrl-C.
     */
    private static void measureAgainstService(
            Path root,
            Path work,
            ModelRelease.Builder release,
            List<Sample> samples,
            Raw raw,
            Map<String, Double> once,
            List<Map<String, Double>> perRound)
            throws Exception {
        Path keys = Keys.ensure(work.resolve("keys"));
        BrokerProcess broker = BrokerProcess.start(Files.createTempDirectory("bench-kafka"));
        ServiceProcess[] started = new ServiceProcess[1];
        stopOnExit(broker, started);
        try {
            String bootstrap = broker.bootstrapServers();
            TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(60));
            publishBacklogAndRelease(bootstrap, samples, release, keys);
            started[0] = startService(root, work, keys, bootstrap);
            double stream = streamRate(bootstrap, Topics.PREDICTIONS, samples.size());
            double passThrough = passThrough(bootstrap, samples.size());
            once.put("stream_samples_per_s", stream);
            once.put("passthrough_samples_per_s", passThrough);
            Serving serving =
                    new Serving(
                            "http://127.0.0.1:" + started[0].port(),
                            started[0].grpcPort(),
                            samples);
            perRound.addAll(servingRounds(serving, raw));
        } finally {
            if (started[0] != null) {
                started[0].close();
            }
            broker.close();
        }
    }

    /** Ctrl-C or kill: stop the children too (finally blocks do not run then). */
    private static void stopOnExit(BrokerProcess broker, ServiceProcess[] started) {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    if (started[0] != null) {
                                        started[0].close();
                                    }
                                    broker.close();
                                }));
    }

    /** The test split on the test topic, then the signed release the service will load. */
    private static void publishBacklogAndRelease(
            String bootstrap, List<Sample> samples, ModelRelease.Builder release, Path keys)
            throws Exception {
        try (KafkaProducer<String, byte[]> p =
                Producers.idempotent(
                        bootstrap,
                        "bench-load",
                        Map.of(
                                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                                Topics.MAX_MESSAGE_BYTES,
                                ProducerConfig.LINGER_MS_CONFIG,
                                5,
                                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                                "lz4"))) {
            for (Sample s : samples) {
                p.send(new ProducerRecord<>(Topics.SAMPLES_TEST, s.getId(), s.toByteArray()));
            }
            p.send(
                            ReleaseSignatures.record(
                                    release.setReleaseSequence(1).build(),
                                    Pem.privateKey(
                                            keys.resolve(Keys.RELEASE_SIGNING),
                                            ReleaseSignatures.ALGORITHM)))
                    .get();
        }
    }

    private static ServiceProcess startService(Path root, Path work, Path keys, String bootstrap)
            throws Exception {
        Map<String, String> serviceEnv = new HashMap<>(Keys.env(keys));
        serviceEnv.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        serviceEnv.put("INFERENCE_HTTP_ECHO_ENABLED", "true");
        return ServiceProcess.start(
                root,
                "inference-service",
                BrokerProcess.freePort(),
                serviceEnv,
                work.resolve("inference-service.log"),
                "/q/health/ready");
    }

    /** The serving rounds, each next to raw ONNX Runtime measured in the same round. */
    private static List<Map<String, Double>> servingRounds(Serving serving, Raw raw)
            throws Exception {
        int rounds = rounds();
        int seconds = raw.seconds();
        serving.warmUp();
        raw.measure(1, 1); // and the raw path (JIT, ONNX Runtime's arenas)
        raw.measure(64, 1);
        List<Map<String, Double>> perRound = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            Map<String, Double> figures = new LinkedHashMap<>();
            figures.put("raw_batch1_samples_per_s", raw.measure(1, seconds));
            figures.put("raw_batch64_samples_per_s", raw.measure(64, seconds));
            figures.putAll(serving.round(seconds));
            System.out.printf(Locale.ROOT, "round %d/%d: %s%n", round, rounds, figures);
            perRound.add(figures);
        }
        return perRound;
    }

    private static void writeResults(Path work, Map<String, Object> results) throws Exception {
        System.out.println();
        Files.writeString(
                work.resolve("results.json"),
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(results));
        System.out.println("results: " + work.resolve("results.json"));
    }

    /** Serving rounds by default: the report gives each ratio's median and spread over them. */
    static final int ROUNDS = 3;

    private static int rounds() {
        return Integer.getInteger("bench.rounds", ROUNDS);
    }

    /**
     * Raw ONNX Runtime in this JVM on the bench's session, what the serving figures are held to.
     */
    record Raw(OrtEnvironment env, OrtSession session, List<Sample> samples, int seconds) {
        double measure(int batch, int seconds) throws Exception {
            return raw(env, session, samples, batch, seconds);
        }
    }

    /**
     * A ratio of two figures of one round, as printed and as the report reads it from {@code
     * results.json} ({@code ratios.KEY.median}, {@code .min}, {@code .max}).
     */
    record Ratio(String key, String what, String numerator, String denominator) {
        double of(Map<String, Double> figures) {
            return figures.get(numerator) / figures.get(denominator);
        }
    }

    static final List<Ratio> RATIOS =
            List.of(
                    new Ratio(
                            "http_c1_vs_echo",
                            "HTTP single, concurrency 1 ÷ echo",
                            "http_predict_c1_per_s",
                            "http_echo_c1_per_s"),
                    new Ratio(
                            "http_c32_vs_echo",
                            "HTTP single, concurrency 32 ÷ echo",
                            "http_predict_c32_per_s",
                            "http_echo_c32_per_s"),
                    new Ratio(
                            "http_c32_vs_raw_batch1",
                            "HTTP concurrency 32 ÷ raw batch 1",
                            "http_predict_c32_per_s",
                            "raw_batch1_samples_per_s"),
                    new Ratio(
                            "http_batch64_vs_raw_batch64",
                            "HTTP batch 64 ÷ raw batch 64",
                            "http_batch64_samples_per_s",
                            "raw_batch64_samples_per_s"),
                    new Ratio(
                            "kserve_json_vs_raw_batch64",
                            "KServe JSON batch 64 ÷ raw batch 64",
                            "http_kserve_json_batch64_samples_per_s",
                            "raw_batch64_samples_per_s"),
                    new Ratio(
                            "kserve_binary_vs_raw_batch64",
                            "KServe binary batch 64 ÷ raw batch 64",
                            "http_kserve_binary_batch64_samples_per_s",
                            "raw_batch64_samples_per_s"),
                    new Ratio(
                            "grpc_vs_raw_batch64",
                            "gRPC batch 64 ÷ raw batch 64",
                            "grpc_batch64_samples_per_s",
                            "raw_batch64_samples_per_s"),
                    new Ratio(
                            "http_c1_p99_vs_echo",
                            "HTTP c=1 p99 ÷ echo p99",
                            "http_predict_c1_p99_ms",
                            "http_echo_c1_p99_ms"));

    /** The stream ratio, measured once (it needs a fresh service with a backlog). */
    static final Ratio STREAM =
            new Ratio(
                    "stream_vs_passthrough",
                    "stream scoring ÷ transactional pass-through",
                    "stream_samples_per_s",
                    "passthrough_samples_per_s");

    /**
     * The results: the stream figures, each serving figure's median over the rounds, and every
     * ratio's median, minimum and maximum over the rounds (printed as it goes into the file).
     */
    static Map<String, Object> summary(Map<String, Double> once, List<Map<String, Double>> rounds) {
        Map<String, Object> out = new LinkedHashMap<>(once);
        out.put("rounds", rounds.size());
        for (String key : rounds.get(0).keySet()) {
            out.put(key, median(rounds.stream().map(f -> f.get(key)).toList()));
        }
        out.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-42s %12s%n", k, String.valueOf(v)));
        System.out.println();
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (Ratio ratio : RATIOS) {
            List<Double> values = rounds.stream().map(ratio::of).toList();
            ratios.put(ratio.key(), spread(ratio, values));
        }
        ratios.put(STREAM.key(), spread(STREAM, List.of(STREAM.of(once))));
        out.put("ratios", ratios);
        return out;
    }

    private static Map<String, Object> spread(Ratio ratio, List<Double> values) {
        double median = median(values);
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        System.out.printf(
                Locale.ROOT,
                "ratio %-38s %.3f (%d rounds: %.3f–%.3f)%n",
                ratio.what(),
                median,
                values.size(),
                min,
                max);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", ratio.what());
        m.put("median", median);
        m.put("min", min);
        m.put("max", max);
        m.put("values", values);
        return m;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The serving measurements of one round against the running service, with their bodies. */
    static final class Serving {
        private final String base;
        private final int grpcPort;
        private final List<String> single = new ArrayList<>();
        private final List<String> batches = new ArrayList<>();
        private final List<Body> kserveJson = new ArrayList<>();
        private final List<Body> kserveBinary = new ArrayList<>();
        private final List<ModelInferRequest> grpc = new ArrayList<>();

        /** Request bodies cycle through the test samples (a small test split repeats some). */
        Serving(String base, int grpcPort, List<Sample> samples) {
            this.base = base;
            this.grpcPort = grpcPort;
            for (int i = 0; i < 256; i++) {
                single.add(json(samples.get(i % samples.size())));
            }
            for (int b = 0; b < 8; b++) {
                List<Sample> batch = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    batch.add(samples.get((b * 64 + i) % samples.size()));
                }
                StringBuilder sb = new StringBuilder("{\"instances\":[");
                for (int i = 0; i < batch.size(); i++) {
                    sb.append(i > 0 ? "," : "").append(json(batch.get(i)));
                }
                batches.add(sb.append("]}").toString());
                kserveJson.add(Body.json(kserveJson(batch)));
                kserveBinary.add(kserveBinary(batch));
                grpc.add(grpcRequest(batch));
            }
        }

        void warmUp() throws Exception {
            load(base + "/api/predictions", single, 8, 2);
            load(base + "/api/echo", single, 8, 2);
            load(base + "/v2/models/digits/infer", kserveBinary, 2, 1, true);
            grpcLoad(grpcPort, grpc, 2, 1);
        }

        /** Single samples next to the echo endpoint, then batches of 64 in every protocol. */
        Map<String, Double> round(int seconds) throws Exception {
            Map<String, Double> r = new LinkedHashMap<>();
            for (int c : new int[] {1, 32}) {
                // ABBA order, so that warm-up and drift hit both endpoints alike
                Load echo = load(base + "/api/echo", single, c, seconds);
                Load pred =
                        load(base + "/api/predictions", single, c, seconds)
                                .plus(load(base + "/api/predictions", single, c, seconds));
                echo = echo.plus(load(base + "/api/echo", single, c, seconds));
                r.put("http_echo_c" + c + "_per_s", echo.rate());
                r.put("http_predict_c" + c + "_per_s", pred.rate());
                if (c == 1) {
                    r.put("http_predict_c1_p50_ms", pred.percentile(50));
                    r.put("http_predict_c1_p99_ms", pred.percentile(99));
                    r.put("http_echo_c1_p50_ms", echo.percentile(50));
                    r.put("http_echo_c1_p99_ms", echo.percentile(99));
                }
            }
            r.put(
                    "http_batch64_samples_per_s",
                    load(base + "/api/predictions", batches, 4, seconds).rate() * 64);
            // the Open Inference Protocol, batches of 64: JSON, the binary tensor extension, gRPC
            // with raw contents
            String infer = base + "/v2/models/digits/infer";
            r.put(
                    "http_kserve_json_batch64_samples_per_s",
                    load(infer, kserveJson, 4, seconds, true).rate() * 64);
            r.put(
                    "http_kserve_binary_batch64_samples_per_s",
                    load(infer, kserveBinary, 4, seconds, true).rate() * 64);
            r.put("grpc_batch64_samples_per_s", grpcLoad(grpcPort, grpc, 4, seconds) * 64);
            return r;
        }
    }

    static String json(Sample s) {
        StringBuilder sb = new StringBuilder("{\"image\":[");
        for (int i = 0; i < s.getImageCount(); i++) {
            sb.append(i > 0 ? "," : "").append(s.getImage(i));
        }
        sb.append("],\"audio\":[");
        for (int i = 0; i < s.getAudioCount(); i++) {
            sb.append(i > 0 ? "," : "").append(s.getAudio(i));
        }
        return sb.append("]}").toString();
    }

    static String kserveJson(List<Sample> batch) {
        StringBuilder img = new StringBuilder();
        StringBuilder aud = new StringBuilder();
        for (Sample s : batch) {
            s.getImageList().forEach(v -> img.append(img.isEmpty() ? "" : ",").append(v));
            s.getAudioList().forEach(v -> aud.append(aud.isEmpty() ? "" : ",").append(v));
        }
        return "{\"inputs\":[{\"name\":\"image\",\"shape\":["
                + batch.size()
                + ",784],\"datatype\":\"FP32\",\"data\":["
                + img
                + "]},{\"name\":\"audio\",\"shape\":["
                + batch.size()
                + ",507],\"datatype\":\"FP32\",\"data\":["
                + aud
                + "]}],"
                + "\"outputs\":[{\"name\":\"probabilities\"}]}"; // the same output as the binary
        // and gRPC figures
    }

    /** Little-endian FP32 values of a batch's images and audio, one after the other. */
    static ByteBuffer[] raw(List<Sample> batch) {
        ByteBuffer img =
                ByteBuffer.allocate(batch.size() * Dimensions.IMAGE * 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer aud =
                ByteBuffer.allocate(batch.size() * Dimensions.AUDIO * 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (Sample s : batch) {
            s.getImageList().forEach(img::putFloat);
            s.getAudioList().forEach(aud::putFloat);
        }
        return new ByteBuffer[] {img.flip(), aud.flip()};
    }

    /**
     * The binary tensor data extension: a JSON header, then the raw inputs; probabilities asked
     * back in binary.
     */
    static Body kserveBinary(List<Sample> batch) {
        ByteBuffer[] raw = raw(batch);
        byte[] header =
                ("{\"inputs\":[{\"name\":\"image\",\"shape\":["
                                + batch.size()
                                + ",784],\"datatype\":\"FP32\",\"parameters\":"
                                + "{\"binary_data_size\":"
                                + raw[0].remaining()
                                + "}},{\"name\":\"audio\",\"shape\":["
                                + batch.size()
                                + ",507],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
                                + raw[1].remaining()
                                + "}}],"
                                + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":true}}]}")
                        .getBytes(StandardCharsets.UTF_8);
        ByteBuffer body =
                ByteBuffer.allocate(header.length + raw[0].remaining() + raw[1].remaining());
        body.put(header).put(raw[0]).put(raw[1]);
        return new Body(body.array(), "application/octet-stream", header.length);
    }

    static ModelInferRequest grpcRequest(List<Sample> batch) {
        ByteBuffer[] raw = raw(batch);
        return ModelInferRequest.newBuilder()
                .setModelName("digits")
                .addInputs(
                        ModelInferRequest.InferInputTensor.newBuilder()
                                .setName("image")
                                .setDatatype("FP32")
                                .addShape(batch.size())
                                .addShape(784))
                .addInputs(
                        ModelInferRequest.InferInputTensor.newBuilder()
                                .setName("audio")
                                .setDatatype("FP32")
                                .addShape(batch.size())
                                .addShape(507))
                .addOutputs(
                        ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                                .setName("probabilities"))
                .addRawInputContents(ByteString.copyFrom(raw[0]))
                .addRawInputContents(ByteString.copyFrom(raw[1]))
                .build();
    }

    /** Calls per second of ModelInfer from {@code concurrency} blocking clients on one channel. */
    static double grpcLoad(int port, List<ModelInferRequest> requests, int concurrency, int seconds)
            throws Exception {
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port)
                        .usePlaintext()
                        .maxInboundMessageSize(16 << 20)
                        .build();
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel);
            for (int i = 0; i < 20; i++) { // warm-up
                stub.modelInfer(requests.get(i % requests.size()));
            }
            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong count = new AtomicLong();
            List<Future<?>> futures = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < concurrency; c++) {
                int offset = c;
                futures.add(
                        pool.submit(
                                () -> {
                                    int i = offset;
                                    while (!stop.get()) {
                                        stub.modelInfer(requests.get(i++ % requests.size()));
                                        count.incrementAndGet();
                                    }
                                    return null;
                                }));
            }
            Thread.sleep(seconds * 1000L);
            stop.set(true);
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            return count.get() / elapsed;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static double raw(
            OrtEnvironment env, OrtSession session, List<Sample> samples, int batch, int seconds)
            throws Exception {
        float[] image = new float[batch * Dimensions.IMAGE];
        float[] audio = new float[batch * Dimensions.AUDIO];
        for (int i = 0; i < batch; i++) {
            Sample s = samples.get(i);
            for (int j = 0; j < Dimensions.IMAGE; j++) {
                image[i * Dimensions.IMAGE + j] = s.getImage(j);
            }
            for (int j = 0; j < Dimensions.AUDIO; j++) {
                audio[i * Dimensions.AUDIO + j] = s.getAudio(j);
            }
        }
        long calls = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        while (System.nanoTime() < end || calls < 10) {
            try (OnnxTensor a =
                            OnnxTensor.createTensor(
                                    env, direct(image), new long[] {batch, Dimensions.IMAGE});
                    OnnxTensor b =
                            OnnxTensor.createTensor(
                                    env, direct(audio), new long[] {batch, Dimensions.AUDIO});
                    OrtSession.Result res = session.run(Map.of("image", a, "audio", b))) {
                ((OnnxTensor) res.get("probabilities").get()).getFloatBuffer();
            }
            calls++;
        }
        return calls * batch / ((System.nanoTime() - start) / 1e9);
    }

    static FloatBuffer direct(float[] v) {
        FloatBuffer fb = ByteBuffer.allocateDirect(v.length * 4).order(NATIVE).asFloatBuffer();
        fb.put(v).rewind();
        return fb;
    }

    record Load(long requests, double seconds, long[] latenciesNanos) {
        double rate() {
            return requests / seconds;
        }

        Load plus(Load o) {
            long[] all =
                    Arrays.copyOf(latenciesNanos, latenciesNanos.length + o.latenciesNanos.length);
            System.arraycopy(
                    o.latenciesNanos, 0, all, latenciesNanos.length, o.latenciesNanos.length);
            return new Load(requests + o.requests, seconds + o.seconds, all);
        }

        double percentile(double p) {
            long[] l = latenciesNanos.clone();
            Arrays.sort(l);
            return l.length == 0
                    ? Double.NaN
                    : l[(int) Math.min(l.length - 1, Math.ceil(p / 100.0 * l.length) - 1)] / 1e6;
        }
    }

    /**
     * A request body and its headers (content type; the binary extension's header length, or -1).
     */
    record Body(byte[] bytes, String contentType, int headerLength) {
        static Body json(String s) {
            return new Body(s.getBytes(StandardCharsets.UTF_8), "application/json", -1);
        }
    }

    static Load load(String url, List<String> bodies, int concurrency, int seconds)
            throws Exception {
        return load(url, bodies.stream().map(Body::json).toList(), concurrency, seconds, true);
    }

    /** {@code concurrency} clients each sending one request after the other for the given time. */
    static Load load(String url, List<Body> bodies, int concurrency, int seconds, boolean check)
            throws Exception {
        HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .executor(Executors.newFixedThreadPool(2))
                        .build();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong count = new AtomicLong();
        List<Future<List<Long>>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < concurrency; c++) {
            final int offset = c;
            futures.add(
                    pool.submit(
                            () -> {
                                List<Long> lat = new ArrayList<>();
                                int i = offset;
                                while (!stop.get()) {
                                    Body body = bodies.get(i++ % bodies.size());
                                    HttpRequest.Builder rb =
                                            HttpRequest.newBuilder(URI.create(url))
                                                    .header("Content-Type", body.contentType())
                                                    .POST(
                                                            HttpRequest.BodyPublishers.ofByteArray(
                                                                    body.bytes()));
                                    if (body.headerLength() >= 0) {
                                        rb.header(
                                                "Inference-Header-Content-Length",
                                                Integer.toString(body.headerLength()));
                                    }
                                    long t0 = System.nanoTime();
                                    HttpResponse<byte[]> res =
                                            http.send(
                                                    rb.build(),
                                                    HttpResponse.BodyHandlers.ofByteArray());
                                    if (check && res.statusCode() != 200) {
                                        throw new IllegalStateException(
                                                url
                                                        + " answered "
                                                        + res.statusCode()
                                                        + ": "
                                                        + new String(
                                                                res.body(),
                                                                StandardCharsets.UTF_8));
                                    }
                                    lat.add(System.nanoTime() - t0);
                                    count.incrementAndGet();
                                }
                                return lat;
                            }));
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> f : futures) {
            all.addAll(f.get(60, TimeUnit.SECONDS));
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return new Load(count.get(), elapsed, all.stream().mapToLong(Long::longValue).toArray());
    }

    /** Records per second on a topic, first to last record timestamp, once n records are there. */
    static double streamRate(String bootstrap, String topic, int n) throws Exception {
        try (KafkaConsumer<String, byte[]> c = consumer(bootstrap, "bench-watch-" + topic)) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            return rateOfNext(c, n, Duration.ofMinutes(5), topic);
        }
    }

    /**
     * Records per second of the next {@code n} records the consumer reads, first to last record
     * timestamp; throws when fewer arrive within {@code timeout}.
     */
    static double rateOfNext(
            KafkaConsumer<String, byte[]> c, int n, Duration timeout, String topic) {
        long first = Long.MAX_VALUE;
        long last = 0;
        int seen = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen < n && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                first = Math.min(first, r.timestamp());
                last = Math.max(last, r.timestamp());
                seen++;
            }
        }
        if (seen < n) {
            throw new IllegalStateException("only " + seen + " of " + n + " records on " + topic);
        }
        System.out.printf("%s: %,d records in %.2f s%n", topic, seen, (last - first) / 1000.0);
        return seen / Math.max(0.001, (last - first) / 1000.0);
    }

    static KafkaConsumer<String, byte[]> consumer(String bootstrap, String group) {
        return Consumers.readCommitted(
                bootstrap,
                group,
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG,
                        group,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        256,
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        8 * 1024 * 1024));
    }

    /**
     * The scorer's loop without the model, in the same exactly-once shape: a read_committed
     * consumer; per poll one transaction that holds a prediction and an embedding of the served
     * model's sizes (zeros) for every decoded Sample and the consumed offsets ({@code
     * sendOffsetsToTransaction}), committed before the next poll.
     */
    static double passThrough(String bootstrap, int n) throws Exception {
        String predictions = "bench.passthrough.predictions";
        String embeddings = "bench.passthrough.embeddings";
        try (var admin =
                TopicAdmin.admin(bootstrap)) { // the same partitions as the real output topics
            TopicAdmin.ensureTopics(
                    admin,
                    List.of(
                            new Topics.Spec(predictions, 4, Map.of()),
                            new Topics.Spec(embeddings, 4, Map.of())),
                    Duration.ofSeconds(30));
        }
        SampleDeserializer decoder = new SampleDeserializer();
        // the served model's output sizes, all zeros, through the scorer's own record builder
        int dim = FusionSpec.standard().embeddingDim();
        Scores zeros = new Scores(1, dim, new float[Dimensions.CLASSES], new float[dim], "bench");
        int done = 0;
        long start = 0;
        try (KafkaConsumer<String, byte[]> c = consumer(bootstrap, "bench-passthrough");
                KafkaProducer<String, byte[]> p =
                        Producers.idempotent(
                                bootstrap,
                                "bench-passthrough",
                                Map.of(
                                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                                        "bench-passthrough",
                                        ProducerConfig.LINGER_MS_CONFIG,
                                        5,
                                        ProducerConfig.BATCH_SIZE_CONFIG,
                                        256 * 1024,
                                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                                        "lz4"))) {
            p.initTransactions();
            c.subscribe(List.of(Topics.SAMPLES_TEST));
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (done < n && System.nanoTime() < deadline) {
                ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                if (start == 0) {
                    start = System.nanoTime();
                }
                p.beginTransaction();
                long now = System.currentTimeMillis();
                for (ConsumerRecord<String, byte[]> r : records) {
                    Sample s = decoder.deserialize(r.topic(), r.headers(), r.value());
                    byte[] prediction = OutputRecords.prediction(s, zeros, 0, now).toByteArray();
                    byte[] embedding = OutputRecords.embedding(s, zeros, 0, now).toByteArray();
                    p.send(new ProducerRecord<>(predictions, s.getId(), prediction));
                    p.send(new ProducerRecord<>(embeddings, s.getId(), embedding));
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : records.partitions()) {
                    var rs = records.records(tp);
                    offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
                }
                p.sendOffsetsToTransaction(offsets, c.groupMetadata());
                p.commitTransaction();
                done += records.count();
            }
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "pass-through (transactional consume-transform-produce): %,d records in %.2f s%n",
                done, s);
        return done / s;
    }
}
