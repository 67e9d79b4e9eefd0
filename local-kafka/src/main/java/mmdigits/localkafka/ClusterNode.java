package mmdigits.localkafka;

import java.nio.file.Path;

/**
 * One running node of a {@link LocalCluster}: its process (SIGKILL with {@link #kill}, SIGTERM with
 * {@link #close}), its id and ports in the {@link ClusterSpec}, its directory and log.
 */
public final class ClusterNode extends ChildProcess {
    private final ClusterSpec.Node node;
    private final Path dir;

    ClusterNode(Process process, Path log, ClusterSpec.Node node, Path dir) {
        super(process, log);
        this.node = node;
        this.dir = dir;
    }

    /** The KRaft node id, as {@code Admin.describeTopics} names leaders and replicas. */
    public int id() {
        return node.id();
    }

    /** Its client listener, {@code 127.0.0.1:port}. */
    public String clientAddress() {
        return node.clientAddress();
    }

    /** Its client, replication and controller ports, the same on every start. */
    public ClusterSpec.Node ports() {
        return node;
    }

    public Path dir() {
        return dir;
    }
}
