package mmdigits.inference.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the inference service ({@code inference.*} in application.properties). */
@ConfigMapping(prefix = "inference")
public interface InferenceConfig {
    /** The model name (the key of its releases on digits.models) this service serves. */
    @WithDefault("digits")
    String modelName();

    Ort ort();

    Batch batch();

    Stream stream();

    Http http();

    interface Ort {
        /** Threads one ONNX Runtime call may use (1: each call on one core; batching gives the throughput). */
        @WithDefault("1")
        int intraOpThreads();
    }

    interface Batch {
        /** Most samples scored in one ONNX Runtime call (HTTP micro-batching and the test stream). */
        @WithDefault("64")
        int maxSize();

        /**
         * How long a batch waits for more concurrent requests once the service is under load (the last
         * batch had more than one request); a lone request never waits.
         */
        @WithDefault("2ms")
        Duration maxWait();

        /** Threads running ONNX Runtime calls for HTTP requests. */
        @WithDefault("1")
        int workers();
    }

    interface Stream {
        /** Score digits.samples.test as it arrives. */
        @WithDefault("true")
        boolean enabled();

        /** Consumer group shared by the replicas (they split the partitions). */
        @WithDefault("mmdigits-inference")
        String groupId();

        /** Records per poll (and so per scoring batch). */
        @WithDefault("256")
        int maxPollRecords();

        /** A new model version scores the test topic again from its start, so a report reflects one model. */
        @WithDefault("true")
        boolean rescoreOnNewModel();
    }

    interface Http {
        /** Most instances in one prediction request. */
        @WithDefault("1024")
        int maxInstances();

        /** Largest uploaded image, in pixels (width x height). */
        @WithDefault("40000000")
        long maxImagePixels();

        /** Serve POST /api/echo (parses a prediction request, answers without scoring): the web stack's ceiling in benchmarks. */
        @WithDefault("false")
        boolean echoEnabled();
    }
}
