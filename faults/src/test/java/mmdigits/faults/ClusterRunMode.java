package mmdigits.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a test needs to run {@code ./digits --cluster} beside other runs: ports, results. */
final class ClusterRunMode {
    private ClusterRunMode() {}

    /**
     * The environment of the cluster mode on a block of ports where every one ./digits derives is
     * free: the nodes' (base .. base + 8), the services' (base + 20 ..), the replicas' (port + 1000
     * + 100 × N) and the balancer's stats page.
     */
    static Map<String, String> ports() throws IOException {
        int base = freeBlock();
        Map<String, String> env = new HashMap<>();
        env.put("DIGITS_KAFKA_PORT", Integer.toString(base));
        env.put("DIGITS_CONTROLLER_PORT", Integer.toString(base + 9));
        String[] services = {"INGEST", "TRAINER", "INFERENCE", "VIZ", "GRPC"};
        for (int i = 0; i < services.length; i++) {
            env.put("DIGITS_" + services[i] + "_PORT", Integer.toString(base + 20 + i));
        }
        env.put("DIGITS_REPLICA_OFFSET", "1000");
        env.put("DIGITS_LB_STATS_PORT", Integer.toString(base + 30));
        return env;
    }

    private static int freeBlock() throws IOException {
        Random random = new Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20_000 + random.nextInt(400) * 20;
            List<Integer> ports = new ArrayList<>();
            for (int p = base; p <= base + 30; p++) {
                ports.add(p);
            }
            for (int p = base + 1020; p < base + 1025; p++) {
                ports.add(p);
                ports.add(p + 100);
            }
            if (ports.stream().allMatch(ClusterRunMode::free)) {
                return base;
            }
        }
        throw new IOException("no block of free ports found");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The accuracy a run printed in its summary. */
    static String accuracy(String log) {
        Matcher m = Pattern.compile("test accuracy\\s+([0-9.]+)").matcher(log);
        assertThat(m.find()).as(log).isTrue();
        return m.group(1);
    }

    static String[] with(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
