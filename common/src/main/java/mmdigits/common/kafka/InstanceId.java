package mmdigits.common.kafka;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The stable identity of a service instance, for Kafka's {@code transactional.id} and {@code
 * group.instance.id}: the same after a restart, so that the restarted process fences the crashed
 * one at once (its open transaction is aborted, its group membership taken over) instead of waiting
 * for a timeout. Configured explicitly ({@code mmdigits.instance-id}: a pod or container name) or
 * {@code <host name>-<http port>}, unique for processes of one host.
 */
public final class InstanceId {
    private InstanceId() {}

    public static String resolve(Optional<String> configured, int httpPort) {
        return configured
                .filter(s -> !s.isBlank())
                .map(String::trim)
                .orElseGet(() -> host() + "-" + httpPort);
    }

    static String host() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
