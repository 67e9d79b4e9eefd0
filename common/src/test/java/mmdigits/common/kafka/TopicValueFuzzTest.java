package mmdigits.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mmdigits.common.Topics;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleJson;
import mmdigits.common.sample.SampleValidator;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.common.security.SequenceCheck;
import mmdigits.localkafka.Fuzz;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Every topic's value, fuzzed (seeded: a failure names a replayable case): random bytes and mutants
 * of valid encodings, binary and JSON. A consumer survives a record when its decoder either returns
 * a value or throws an {@link Exception} (which the consumers send to the dead-letter topic); an
 * {@link Error} (a stack overflow, an allocation a lying length asks for) would kill the consumer's
 * thread, so none may escape.
 */
class TopicValueFuzzTest {
    static final int CASES = 4000;

    interface Decoder {
        Object decode(byte[] value) throws Exception;
    }

    /** Decodes every case; counts the outcomes; fails on anything but a value or an Exception. */
    static Map<String, Integer> fuzz(String topic, Decoder decoder, List<byte[]> cases) {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < cases.size(); i++) {
            String outcome;
            try {
                decoder.decode(cases.get(i));
                outcome = "decoded";
            } catch (Exception e) {
                outcome = e.getClass().getSimpleName();
            } catch (Throwable t) {
                throw new AssertionError(topic + ": case " + i + " escaped as " + t, t);
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        return outcomes;
    }

    static List<byte[]> cases(long seed, List<byte[]> valid, boolean binary) {
        List<byte[]> all = new ArrayList<>(Fuzz.bytes(seed, CASES / 2, 4096));
        all.addAll(Fuzz.mutants(seed + 1, valid, CASES / 2, binary));
        return all;
    }

    @Test
    void sampleTopicsBinaryAndJson() {
        SampleDeserializer d = new SampleDeserializer();
        RecordHeaders json = new RecordHeaders();
        json.add("content-type", ContentTypes.JSON.getBytes(StandardCharsets.UTF_8));
        Map<String, Integer> binary =
                fuzz(
                        "samples",
                        v ->
                                SampleValidator.validate(
                                        d.deserialize(Topics.SAMPLES_TEST, new RecordHeaders(), v)),
                        cases(11, List.of(SampleDeserializerTest.sample().toByteArray()), true));
        Map<String, Integer> text =
                fuzz(
                        "samples (JSON)",
                        v -> SampleValidator.validate(d.deserialize(Topics.SAMPLES_TEST, json, v)),
                        cases(
                                12,
                                List.of(
                                        SampleJson.print(SampleDeserializerTest.sample())
                                                .getBytes(StandardCharsets.UTF_8)),
                                false));
        assertThat(binary.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(CASES);
        assertThat(text).containsKey("SerializationException"); // most mutants are refused...
        assertThat(binary)
                .containsKey("decoded"); // ...and some still decode: the cases reach past the first
        // check
    }

    @Test
    void eventsPredictionsAndEmbeddings() {
        byte[] event =
                Event.newBuilder()
                        .setTimestampMs(1)
                        .setDatasetPublished(
                                DatasetPublished.newBuilder()
                                        .setDataset("d")
                                        .setSplit(Split.TEST)
                                        .setCount(3)
                                        .setPublicationId("d/test/1"))
                        .build()
                        .toByteArray();
        Prediction.Builder p =
                Prediction.newBuilder()
                        .setSampleId("d/test/3")
                        .setDataset("d")
                        .setLabel(3)
                        .setModelVersion("v");
        Embedding.Builder e =
                Embedding.newBuilder().setSampleId("d/test/3").setDataset("d").setModelVersion("v");
        for (int i = 0; i < 10; i++) {
            p.addProbabilities(0.1f);
            e.addVector(i);
        }
        assertThat(fuzz("events", Event::parseFrom, cases(21, List.of(event), true)))
                .containsKey("InvalidProtocolBufferException");
        assertThat(
                        fuzz(
                                "predictions",
                                Prediction::parseFrom,
                                cases(22, List.of(p.build().toByteArray()), true)))
                .containsKey("decoded");
        assertThat(
                        fuzz(
                                "embeddings",
                                Embedding::parseFrom,
                                cases(23, List.of(e.build().toByteArray()), true)))
                .containsKey("decoded");
    }

    @Test
    void modelReleasesAreRefusedUnlessSignedInSequence() throws Exception {
        KeyPair trainer =
                KeyPairGenerator.getInstance(ReleaseSignatures.ALGORITHM).generateKeyPair();
        ModelRelease release =
                ModelRelease.newBuilder()
                        .setName("digits")
                        .setVersion("v1")
                        .setReleaseSequence(1)
                        .setOnnx(ByteString.copyFrom(new byte[256]))
                        .build();
        byte[] signature = ReleaseSignatures.sign(release.toByteArray(), trainer.getPrivate());
        // the control: the original bytes with their signature pass, without it they do not
        SequenceCheck.releases(trainer.getPublic())
                .check(signed(release.toByteArray(), signature), release);
        SequenceCheck<ModelRelease> check = SequenceCheck.releases(trainer.getPublic());
        Map<String, Integer> outcomes =
                fuzz(
                        "models (unsigned)",
                        v -> {
                            ModelRelease r = ModelRelease.parseFrom(v);
                            check.check(
                                    new ConsumerRecord<>(Topics.MODELS, 0, 0, "digits/v1", v), r);
                            return r;
                        },
                        cases(31, List.of(release.toByteArray()), true));
        // no case passes without the header, the unchanged bytes included
        assertThat(outcomes).doesNotContainKey("decoded").containsKey("SecurityException");
        List<byte[]> mutants = Fuzz.mutants(32, List.of(release.toByteArray()), CASES, true);
        Map<String, Integer> signed =
                fuzz(
                        "models (signature of the original)",
                        v -> {
                            ModelRelease m = ModelRelease.parseFrom(v);
                            SequenceCheck.releases(trainer.getPublic())
                                    .check(signed(v, signature), m);
                            return m;
                        },
                        mutants);
        long unchanged =
                mutants.stream().filter(b -> Arrays.equals(b, release.toByteArray())).count();
        assertThat(signed.getOrDefault("decoded", 0))
                .as("only unchanged bytes verify")
                .isEqualTo((int) unchanged);
    }

    /** A record on the models topic carrying {@code signature} in the signature header. */
    private static ConsumerRecord<String, byte[]> signed(byte[] value, byte[] signature) {
        ConsumerRecord<String, byte[]> r =
                new ConsumerRecord<>(Topics.MODELS, 0, 0, "digits/v1", value);
        r.headers().add(ReleaseSignatures.HEADER, signature);
        return r;
    }
}
