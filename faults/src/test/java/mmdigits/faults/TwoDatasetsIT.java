package mmdigits.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mmdigits.common.Topics;
import mmdigits.common.kafka.KafkaAccess;
import mmdigits.common.seed.SyntheticDataset;
import mmdigits.localkafka.BrokerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What a user saw: a second dataset got the first dataset's results. Here, in one clone and one
 * broker: {@code ./digits run} (demo data), then {@code ./digits run --data OTHER --keep --out
 * DIR}, then, with those services still running, {@code ./digits run --data THIRD}: each run's
 * predictions.csv has exactly its own test rows, and the accuracy it prints is on its own labels.
 * Then {@code ./digits run --cluster} — three Kafka nodes with the deploy/ ACLs, two replicas of
 * every service behind HAProxy — on the first run's data ends with the same predictions.csv and
 * accuracy: the same data and seed train the same model whatever the topology (the time of each is
 * printed, a measurement, not an assertion).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoDatasetsIT {
    static final String[] QUICK = {"--train", "1000", "--test", "200", "--epochs", "1"};
    static String firstAccuracy;
    static double firstSeconds;
    static Path root;
    static Path work;
    static final Map<String, String> ENV = new HashMap<>();
    static final Map<String, String> CLUSTER = new HashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        root = Cluster.root();
        work = Path.of("target/two-datasets").toAbsolutePath();
        Cluster.fresh(work);
        ENV.put("DIGITS_RUN_DIR", work.resolve("run").toString());
        ENV.put("DIGITS_OUT_DIR", work.resolve("out").toString());
        for (String p : List.of("KAFKA", "CONTROLLER", "INGEST", "TRAINER", "INFERENCE", "VIZ")) {
            ENV.put("DIGITS_" + p + "_PORT", Integer.toString(BrokerProcess.freePort()));
        }
    }

    @AfterAll
    static void down() throws Exception {
        digits("down");
        if (CLUSTER.containsKey("DIGITS_RUN_DIR")) {
            digits(CLUSTER, "down");
        }
    }

    /**
     * Runs ./digits with the test's directories and ports; returns its output (stdout and stderr).
     */
    static String digits(String... args) throws Exception {
        return digits(ENV, args);
    }

    static String digits(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("digits").toString()));
        cmd.addAll(List.of(args));
        Path log = work.resolve("digits-" + System.nanoTime() + ".log");
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(work.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(20, TimeUnit.MINUTES))
                .as("./digits %s did not end", String.join(" ", args))
                .isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as("./digits %s%n%s", String.join(" ", args), out).isZero();
        return out;
    }

    /**
     * The run's predictions.csv holds exactly the test rows of {@code data} and the printed
     * accuracy is on its labels.
     */
    static String assertOwnResults(String log, Path out, Path data, String dataset)
            throws Exception {
        List<String> predictions = Files.readAllLines(out.resolve("predictions.csv"));
        List<String> truth = Files.readAllLines(data.resolve("y_test.csv"));
        assertThat(predictions.get(0)).isEqualTo("row_id,label");
        assertThat(predictions).as("one row per test sample of %s", dataset).hasSameSizeAs(truth);
        int correct = 0;
        for (int i = 1; i < truth.size(); i++) {
            String[] p = predictions.get(i).split(",");
            String[] t = truth.get(i).split(",");
            assertThat(p[0]).isEqualTo(t[0]);
            correct += p[1].equals(t[1]) ? 1 : 0;
        }
        double accuracy = correct / (double) (truth.size() - 1);
        Matcher printed =
                Pattern.compile("test accuracy\\s+([0-9.]+)\\s+\\((\\d+) test samples")
                        .matcher(log);
        assertThat(printed.find()).as(log).isTrue();
        assertThat(Double.parseDouble(printed.group(1))).isCloseTo(accuracy, within(0.00005));
        assertThat(Integer.parseInt(printed.group(2))).isEqualTo(truth.size() - 1);
        assertThat(log).containsPattern("dataset\\s+" + Pattern.quote(dataset) + "\\n");
        return String.format(
                Locale.ROOT,
                "%s: %d predictions, accuracy %.4f on its own labels",
                dataset,
                truth.size() - 1,
                accuracy);
    }

    @Test
    @Order(1)
    void eachRunEndsWithTheResultsOfTheDataItWasGiven() throws Exception {
        // the demo data first, so that the run's time is the pipeline's
        digits(
                "demo-data",
                "--out",
                root.resolve("data/demo-1000-200").toString(),
                "--train",
                "1000",
                "--test",
                "200");
        long t0 = System.nanoTime();
        String first = digits(ClusterRunMode.with("run", QUICK));
        firstSeconds = (System.nanoTime() - t0) / 1e9;
        firstAccuracy = ClusterRunMode.accuracy(first);
        Files.copy(
                work.resolve("out/predictions.csv"),
                work.resolve("first-predictions.csv"),
                StandardCopyOption.REPLACE_EXISTING);
        String a =
                assertOwnResults(
                        first,
                        work.resolve("out"),
                        root.resolve("data/demo-1000-200"),
                        "demo-1000-200");

        // the user's own files (the original formats; values of no meaning: which rows come back is
        // what counts here)
        Path other = SyntheticDataset.write(work.resolve("other"), 7, 800, 150, true);
        Path third = SyntheticDataset.write(work.resolve("third"), 8, 600, 120, true);

        String second =
                digits(
                        "run",
                        "--data",
                        other.toString(),
                        "--epochs",
                        "1",
                        "--keep",
                        "--out",
                        work.resolve("out-other").toString());
        String b = assertOwnResults(second, work.resolve("out-other"), other, "other");

        // the services from the second run are still up: a third dataset into them
        String running = digits("run", "--data", third.toString());
        assertThat(running).contains("already running");
        String c = assertOwnResults(running, work.resolve("out"), third, "third");
        Outputs.report(
                "two datasets in one broker (./digits run, then --data OTHER --keep --out, then --data THIRD into the running "
                        + "services): "
                        + a
                        + "; "
                        + b
                        + "; "
                        + c);
    }

    @Test
    @Order(2)
    void theClusterModeEndsWithTheSameResultsAsTheSingleBroker() throws Exception {
        digits("down"); // the services the runs above left running
        CLUSTER.putAll(ClusterRunMode.ports());
        CLUSTER.put("DIGITS_RUN_DIR", work.resolve("run-cluster").toString());
        CLUSTER.put("DIGITS_OUT_DIR", work.resolve("out-cluster").toString());
        long t0 = System.nanoTime();
        String cluster =
                digits(
                        CLUSTER,
                        ClusterRunMode.with("run", ClusterRunMode.with("--cluster", QUICK)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(cluster)
                .contains("Kafka cluster up: 3 nodes")
                .as("the production overlay's topics and users applied")
                .contains(
                        "STRIMZI-PLAY DONE topics="
                                + Topics.ALL.size()
                                + " users="
                                + KafkaAccess.SERVICES.size())
                .contains("in front of 2 replicas of each service")
                .contains("inference-service-1 up on");
        assertThat(ClusterRunMode.accuracy(cluster)).isEqualTo(firstAccuracy);
        assertThat(Files.readString(work.resolve("out-cluster/predictions.csv")))
                .isEqualTo(Files.readString(work.resolve("first-predictions.csv")));
        Outputs.report(
                String.format(
                        Locale.ROOT,
                        "./digits run --cluster (1,000/200, 1 epoch): the same predictions.csv and accuracy (%s) as"
                                + " ./digits run; %.0f s against %.0f s (%.2fx)",
                        firstAccuracy,
                        seconds,
                        firstSeconds,
                        seconds / firstSeconds));
    }
}
