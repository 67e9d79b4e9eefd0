package mmdigits.inference.messaging;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import mmdigits.common.events.Promotions;
import mmdigits.common.events.Publication;
import mmdigits.common.events.ScoringRequests;
import mmdigits.common.proto.Event;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * The alias' target scores every published test split: for each split still waiting for it ({@code
 * JobBook.awaitingAlias}) once a version is promoted, a {@code ScoringRequested} naming the split
 * and the alias' target goes to {@code digits.events}, where every replica derives the same job
 * from it in the log's order. Any replica may write it (a second request for the same pair creates
 * no second job); requests are written only once both logs were read to their ends, and again after
 * a failure.
 */
@ApplicationScoped
public class AliasScoring {
    private static final long PERIOD_MS = 300;
    private static final int REMEMBERED = 10_000;

    private final InferenceLogs logs;
    private final MutinyEmitter<byte[]> requests;
    private final Set<String> sent =
            Collections.newSetFromMap(
                    new LinkedHashMap<>() {
                        @Override
                        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                            return size() > REMEMBERED;
                        }
                    });
    private volatile boolean running = true;

    public AliasScoring(
            InferenceLogs logs, @Channel(ScoringRequests.CHANNEL) MutinyEmitter<byte[]> requests) {
        this.logs = logs;
        this.requests = requests;
    }

    void onStart(@Observes StartupEvent ignored) {
        Thread t = new Thread(this::loop, "alias-scoring");
        t.setDaemon(true);
        t.start();
    }

    void onShutdown(@Observes ShutdownEvent ignored) {
        running = false;
    }

    private void loop() {
        while (running) {
            try {
                requestWaitingSplits();
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                Log.warnf("could not ask for a test split to be scored (again soon): %s", e);
                sleepQuietly();
            }
        }
    }

    /** One request per waiting test split and alias target. */
    void requestWaitingSplits() {
        if (!logs.caughtUp()) {
            return;
        }
        Optional<Promotions.Target> target = logs.promoted();
        if (target.isEmpty()) {
            return;
        }
        for (Publication p : logs.jobs().awaitingAlias()) {
            String pair = target.get().version() + "|" + p.id();
            if (sent.contains(pair)) {
                continue;
            }
            requests.sendMessageAndAwait(KafkaRecord.of(p.dataset(), request(p, target.get())));
            sent.add(pair);
            Log.infof(
                    "asked for %s to be scored by %s/%s, the alias' target",
                    p.id(), target.get().name(), target.get().version());
        }
    }

    private byte[] request(Publication p, Promotions.Target t) {
        Event e =
                ScoringRequests.event(
                        p.dataset(), t.name(), t.version(), "alias " + logs.alias(), p.id());
        return e.toByteArray();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
