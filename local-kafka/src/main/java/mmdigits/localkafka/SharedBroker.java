package mmdigits.localkafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** One broker per test JVM, started on first use and stopped (by pid) when the JVM exits. */
public final class SharedBroker {
    private static BrokerProcess broker;

    private SharedBroker() {}

    public static synchronized BrokerProcess get() {
        if (broker == null || !broker.isAlive()) {
            Path dir;
            try {
                dir = Files.createTempDirectory("mmdigits-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            BrokerProcess started = BrokerProcess.startUnchecked(dir);
            broker = started;
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(
                                    () -> {
                                        started.close();
                                        deleteTree(dir);
                                    },
                                    "local-kafka-stop"));
        }
        return broker;
    }

    public static String bootstrapServers() {
        return get().bootstrapServers();
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
