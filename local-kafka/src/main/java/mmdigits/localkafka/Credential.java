package mmdigits.localkafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SCRAM-SHA-512 login as Strimzi's User Operator hands it out: the {@code sasl.jaas.config} line
 * of the user's Secret, here a file {@code <name>.jaas} readable by its owner only. Uses only the
 * JDK (the cluster launcher reads the admin's credential without Kafka's classes).
 */
public record Credential(String username, String password) {
    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String SECURITY_PROTOCOL = "SASL_PLAINTEXT";
    public static final String FILE_SUFFIX = ".jaas";
    static final String SCRAM_LOGIN_MODULE =
            "org.apache.kafka.common.security.scram.ScramLoginModule";

    private static final Pattern JAAS =
            Pattern.compile("^\\S+ required username=\"([^\"\\\\]+)\" password=\"([^\"\\\\]+)\";$");
    private static final String ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    // Strimzi's generated passwords: 32 alphanumeric characters
    private static final int PASSWORD_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    static final FileAttribute<?> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    public Credential {
        if (!username.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(
                    "not a user name for a credential file: " + username);
        }
    }

    /** A fresh credential with a random password. */
    public static Credential random(String username) {
        StringBuilder p = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) {
            p.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return new Credential(username, p.toString());
    }

    /** The user's {@code sasl.jaas.config}, as in the Secret Strimzi's User Operator writes. */
    public String jaasConfig() {
        return jaasConfig(SCRAM_LOGIN_MODULE);
    }

    String jaasConfig(String loginModule) {
        return loginModule
                + " required username=\""
                + username
                + "\" password=\""
                + password
                + "\";";
    }

    /** A client's security settings: SASL_PLAINTEXT, SCRAM-SHA-512, this login. */
    public Map<String, String> clientProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", SECURITY_PROTOCOL);
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", jaasConfig());
        return p;
    }

    /** Reads a login from a {@code sasl.jaas.config} line (a file of {@link #write}). */
    public static Credential parse(String jaasConfig) {
        Matcher m = JAAS.matcher(jaasConfig.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "not a sasl.jaas.config line with a username and a password");
        }
        return new Credential(m.group(1), m.group(2));
    }

    /** The credential in {@code dir/<name>.jaas}. */
    public static Credential read(Path dir, String username) throws IOException {
        Path file = file(dir, username);
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    public static Path file(Path dir, String username) {
        return dir.resolve(username + FILE_SUFFIX);
    }

    /**
     * Writes {@code dir/<name>.jaas} (owner-only, like the directory); the file appears whole or
     * not at all.
     */
    public Path write(Path dir) throws IOException {
        ownerOnlyDirectory(dir);
        Path file = file(dir, username);
        Path tmp = Files.createTempFile(dir, "." + username, ".tmp", OWNER_ONLY_FILE);
        Files.writeString(tmp, jaasConfig() + "\n", StandardCharsets.UTF_8);
        return Files.move(
                tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Creates {@code dir} if needed and lets only its owner in. */
    static Path ownerOnlyDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /** Not the password: records print themselves into logs and assertion messages. */
    @Override
    public String toString() {
        return "Credential[" + username + "]";
    }
}
