package mmdigits.localkafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The project's local secrets, made on first use in a directory ({@code secrets/} for {@code
 * ./digits}, {@code target/test-keys} in tests): an RSA key pair that signs and verifies the
 * services' JWTs ({@value #JWT_PRIVATE}, {@value #JWT_PUBLIC}) and the Ed25519 pair of model
 * releases ({@value #RELEASE_SIGNING}, {@value #RELEASE_VERIFY}), PEM files as {@code openssl
 * genpkey} writes them, and the Kafka passwords of docker compose ({@value #COMPOSE_ENV}); and
 * tokens signed with the JWT key. Uses only the JDK, like the rest of this module, so that {@code
 * ./digits} can run it before anything else: {@code java -cp local-kafka.jar
 * mmdigits.localkafka.Keys ensure <dir>} and {@code ... Keys token <dir> <role,role> [days]}
 * (prints the token).
 */
public final class Keys {
    public static final String JWT_PRIVATE = "jwt-private.pem";
    public static final String JWT_PUBLIC = "jwt-public.pem";
    public static final String RELEASE_SIGNING = "release-signing.pem";
    public static final String RELEASE_VERIFY = "release-verify.pem";

    /**
     * Passwords of the Kafka users for docker compose ({@code docker compose --env-file
     * secrets/compose.env up}).
     */
    public static final String COMPOSE_ENV = "compose.env";

    /**
     * The SCRAM users of docker compose: one per service, and one for clients on the published
     * port.
     */
    public static final List<String> KAFKA_USERS =
            List.of("ingest", "trainer", "inference", "viz", "client");

    /** The issuer the services accept ({@code mp.jwt.verify.issuer}). */
    public static final String ISSUER = "https://multimodal-digits.local/issuer";

    /** Every role the services know. */
    public static final List<String> ROLES = List.of("ingest", "train", "predict", "admin");

    private Keys() {}

    /**
     * Makes the key pairs that are missing in {@code dir} (owner-only permissions); returns dir.
     */
    public static Path ensure(Path dir) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        if (!Files.exists(dir.resolve(JWT_PRIVATE)) || !Files.exists(dir.resolve(JWT_PUBLIC))) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            write(dir, g.generateKeyPair(), JWT_PRIVATE, JWT_PUBLIC);
        }
        if (!Files.exists(dir.resolve(RELEASE_SIGNING))
                || !Files.exists(dir.resolve(RELEASE_VERIFY))) {
            write(
                    dir,
                    KeyPairGenerator.getInstance("Ed25519").generateKeyPair(),
                    RELEASE_SIGNING,
                    RELEASE_VERIFY);
        }
        if (!Files.exists(dir.resolve(COMPOSE_ENV))) {
            SecureRandom random = new SecureRandom();
            StringBuilder env =
                    new StringBuilder("# docker compose --env-file ")
                            .append(dir.resolve(COMPOSE_ENV))
                            .append(" up\n")
                            .append("DIGITS_SECRETS=")
                            .append(dir.toAbsolutePath())
                            .append('\n');
            for (String user : KAFKA_USERS) {
                byte[] password = new byte[24];
                random.nextBytes(password);
                env.append("DIGITS_KAFKA_PASSWORD_")
                        .append(user.toUpperCase())
                        .append('=')
                        .append(b64(password))
                        .append('\n');
            }
            writeSecret(dir.resolve(COMPOSE_ENV), env.toString(), "rw-------");
        }
        return dir;
    }

    /**
     * The settings that point a service at the keys in {@code dir} (as system properties or {@code
     * %test} config).
     */
    public static Map<String, String> config(Path dir) {
        Path d = dir.toAbsolutePath();
        return Map.of(
                "mp.jwt.verify.publickey.location",
                d.resolve(JWT_PUBLIC).toString(),
                "mp.jwt.verify.issuer",
                ISSUER,
                "mmdigits.releases.signing-key",
                d.resolve(RELEASE_SIGNING).toString(),
                "mmdigits.releases.verify-key",
                d.resolve(RELEASE_VERIFY).toString());
    }

    /** The same settings as environment variables (for a service started as a process). */
    public static Map<String, String> env(Path dir) {
        return config(dir).entrySet().stream()
                .collect(
                        Collectors.toMap(
                                e -> e.getKey().toUpperCase().replace('.', '_').replace('-', '_'),
                                Map.Entry::getValue));
    }

    /**
     * A JWT (RS256) for {@code subject} with these roles ({@code groups}), valid for {@code ttl},
     * signed with dir's JWT key.
     */
    public static String token(Path dir, String subject, List<String> roles, Duration ttl)
            throws IOException, GeneralSecurityException {
        PrivateKey key =
                KeyFactory.getInstance("RSA")
                        .generatePrivate(new PKCS8EncodedKeySpec(der(dir.resolve(JWT_PRIVATE))));
        long now = Instant.now().getEpochSecond();
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String claims =
                "{\"iss\":\""
                        + ISSUER
                        + "\",\"sub\":\""
                        + subject
                        + "\",\"upn\":\""
                        + subject
                        + "\",\"groups\":["
                        + roles.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(","))
                        + "],\"iat\":"
                        + now
                        + ",\"exp\":"
                        + (now + ttl.toSeconds())
                        + ",\"jti\":\""
                        + UUID.randomUUID()
                        + "\"}";
        String signed =
                b64(header.getBytes(StandardCharsets.UTF_8))
                        + "."
                        + b64(claims.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(signed.getBytes(StandardCharsets.US_ASCII));
        return signed + "." + b64(s.sign());
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void write(Path dir, KeyPair pair, String privateName, String publicName)
            throws IOException {
        pem(dir.resolve(privateName), "PRIVATE KEY", pair.getPrivate().getEncoded());
        pem(dir.resolve(publicName), "PUBLIC KEY", pair.getPublic().getEncoded());
    }

    private static void pem(Path file, String type, byte[] der) throws IOException {
        String text =
                "-----BEGIN "
                        + type
                        + "-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(der)
                        + "\n-----END "
                        + type
                        + "-----\n";
        // the release signing key is group-readable: ./digits gives its group to the trainer
        // container's user (10001)
        String mode =
                !type.startsWith("PRIVATE")
                        ? "rw-r--r--"
                        : file.getFileName().toString().equals(RELEASE_SIGNING)
                                ? "rw-r-----"
                                : "rw-------";
        writeSecret(file, text, mode);
    }

    /** Writes a file whole (a temporary file moved into place) with these POSIX permissions. */
    private static void writeSecret(Path file, String text, String mode) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] der(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        return Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("ensure")) {
            ensure(Path.of(args[1]));
        } else if (args.length >= 3 && args[0].equals("token")) {
            Duration ttl = Duration.ofDays(args.length >= 4 ? Long.parseLong(args[3]) : 30);
            System.out.println(
                    token(Path.of(args[1]), "digits-cli", List.of(args[2].split(",")), ttl));
        } else {
            System.err.println(
                    "usage: Keys ensure <dir> | Keys token <dir> <role,role,...> [days]");
            System.exit(2);
        }
    }
}
