package mmdigits.inference.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of the inference service ({@code inference.*} in application.properties). */
@ConfigMapping(prefix = "inference")
public interface InferenceConfig {
    /**
     * The alias answered by default (/api/predictions, /v2/models/digits): the version promoted on
     * digits.promotions (before any promotion, the newest release).
     */
    @WithDefault("digits")
    String alias();

    Ort ort();

    Models models();

    Batch batch();

    Stream stream();

    Http http();

    ShadowCopy shadowCopy();

    PayloadLog payloadLog();

    interface Ort {
        /**
         * Threads one ONNX Runtime call may use (1: each call on one core; batching gives the
         * throughput).
         */
        @WithDefault("1")
        int intraOpThreads();
    }

    interface Models {
        /**
         * Newest releases kept loaded besides the alias' target and the versions scoring jobs need;
         * older ones are unloaded (a request for them answers 404).
         */
        @WithDefault("4")
        int maxLoaded();
    }

    interface Batch {
        /**
         * Most samples scored in one ONNX Runtime call (HTTP micro-batching and the test stream).
         */
        @WithDefault("64")
        int maxSize();

        /**
         * How long a batch waits for more concurrent requests once the service is under load (the
         * last batch had more than one request); a lone request never waits.
         */
        @WithDefault("2ms")
        Duration maxWait();

        /** Threads running ONNX Runtime calls for HTTP requests. */
        @WithDefault("1")
        int workers();

        /**
         * Most samples waiting for the workers; a request that would go past it is refused at once
         * with 503 and {@code Retry-After} instead of queueing without bound.
         */
        @WithDefault("8192")
        int maxQueued();

        /**
         * A request still waiting for its scores after this is answered 503 (its samples are
         * dropped if not yet run).
         */
        @WithDefault("10s")
        Duration timeout();
    }

    interface Stream {
        /** Score digits.samples.test as it arrives. */
        @WithDefault("true")
        boolean enabled();

        /** Consumer group shared by the replicas (they split the partitions). */
        @WithDefault("mmdigits-inference")
        String groupId();

        /**
         * How often the group's lag is read from the broker
         * (mmdigits_inference_consumer_lag_records).
         */
        @WithDefault("10s")
        Duration lagInterval();

        /** Records per poll (and so per scoring batch and transaction). */
        @WithDefault("256")
        int maxPollRecords();

        /**
         * A replica that crashed and does not come back loses its partitions after this; one that
         * comes back under its instance id takes them back at once (static group membership), one
         * that is stopped leaves the group and hands them over at once.
         */
        @WithDefault("30s")
        Duration sessionTimeout();

        /**
         * An open transaction of a replica that died is aborted after this (at once when it
         * restarts).
         */
        @WithDefault("30s")
        Duration transactionTimeout();

        /**
         * How long a scoring job waits for its model version to be read from digits.models before
         * it is skipped (a version removed before it could be loaded).
         */
        @WithDefault("2m")
        Duration jobModelWait();
    }

    interface Http {
        /** Most instances in one prediction request. */
        @WithDefault("1024")
        int maxInstances();

        /**
         * Most pixels (width x height) an uploaded image is decoded to; a larger one is decoded
         * subsampled.
         */
        @WithDefault("2000000")
        long maxImagePixels();

        /**
         * Largest uploaded image, in pixels of its header; larger ones are refused before decoding.
         */
        @WithDefault("48000000")
        long maxImageSourcePixels();

        /**
         * Longest uploaded recording, in seconds of its WAV header; longer ones are refused before
         * decoding.
         */
        @WithDefault("30")
        double maxAudioSeconds();

        /**
         * Serve POST /api/echo (parses a prediction request, answers without scoring): the web
         * stack's ceiling in benchmarks.
         */
        @WithDefault("false")
        boolean echoEnabled();
    }

    interface ShadowCopy {
        /**
         * Most samples of HTTP requests waiting to be scored by the alias' shadow; a copy beyond it
         * is dropped and counted (mmdigits_inference_shadow_copies_total{outcome="dropped"}), never
         * delaying a request.
         */
        @WithDefault("1024")
        int maxQueued();
    }

    /** The payload log (docs/payload-log.md): each inference request and answer on Kafka. */
    interface PayloadLog {
        /**
         * Write one CloudEvent per REST, KServe and gRPC inference request (with its answer) to
         * digits.payloads.
         */
        @WithDefault("false")
        boolean enabled();

        /** Events waiting for the sender at most; past it a new event is dropped (queue_full). */
        @WithDefault("10000")
        int queueSize();

        /** Bytes of bodies waiting for the sender at most; past it a new event is dropped. */
        @WithDefault("64M")
        MemorySize queueBytes();

        /**
         * A request or an answer larger than this is logged without its body (its size and
         * "omitted": "too_large" instead).
         */
        @WithDefault("1M")
        MemorySize maxBodyBytes();

        /** Another cluster for the payload log (default: the service's kafka.bootstrap.servers). */
        Optional<String> bootstrapServers();

        /** How long the sender's producer waits for more events to batch. */
        @WithDefault("5ms")
        Duration linger();

        /**
         * How long the sender waits for the broker's metadata or buffer room; when that runs out
         * the event and everything queued are dropped (broker_unavailable). Never on a request's
         * thread.
         */
        @WithDefault("2s")
        Duration maxBlock();

        /** An event the broker has not acknowledged within this is dropped (broker_unavailable). */
        @WithDefault("10s")
        Duration deliveryTimeout();
    }
}
