package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Free ports for the services of one test: each free, none handed out twice. */
class BrokerProcessPortTest {
    @Test
    void everyPortHandedOutIsFreeAndDistinct() throws Exception {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            int port = BrokerProcess.freePort();
            assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
        }
        int last = BrokerProcess.freePort();
        try (ServerSocket s = new ServerSocket(last, 1, InetAddress.getLoopbackAddress())) {
            assertThat(s.getLocalPort()).isEqualTo(last);
        }
    }
}
