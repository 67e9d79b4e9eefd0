package mmdigits.common.security;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The release keys from configuration: {@code mmdigits.releases.signing-key} (the trainer's Ed25519
 * private key, PKCS#8 PEM) and {@code mmdigits.releases.verify-key} (its public key, X.509 PEM, for
 * every reader of {@code digits.models}). {@code ./digits} makes both on first use ({@code
 * secrets/}); compose and Kubernetes mount them from a Secret. A service that needs a key and has
 * none does not start.
 */
@ApplicationScoped
public class ReleaseKeys {
    static final String SIGNING = "mmdigits.releases.signing-key";
    static final String VERIFY = "mmdigits.releases.verify-key";

    private final Optional<Path> signing;
    private final Optional<Path> verify;

    public ReleaseKeys(
            @ConfigProperty(name = SIGNING) Optional<Path> signing,
            @ConfigProperty(name = VERIFY) Optional<Path> verify) {
        this.signing = signing;
        this.verify = verify;
    }

    public PrivateKey signingKey() {
        return load(
                SIGNING,
                signing,
                "the trainer signs every model release with it",
                "private",
                f -> Pem.privateKey(f, ReleaseSignatures.ALGORITHM));
    }

    public PublicKey verifyKey() {
        return load(
                VERIFY,
                verify,
                "releases are only loaded when their signature verifies with it",
                "public",
                f -> Pem.publicKey(f, ReleaseSignatures.ALGORITHM));
    }

    @FunctionalInterface
    private interface Reader<K> {
        K read(Path file) throws IOException, GeneralSecurityException;
    }

    /**
     * The key a setting names; a clear error when it is not set or not an Ed25519 key of that kind.
     */
    private static <K> K load(
            String key, Optional<Path> setting, String why, String kind, Reader<K> reader) {
        Path file = setting.orElseThrow(() -> missing(key, why));
        try {
            return reader.read(file);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(
                    key
                            + "="
                            + file
                            + ": not an Ed25519 "
                            + kind
                            + " key in PEM ("
                            + e.getMessage()
                            + ")",
                    e);
        }
    }

    private static IllegalStateException missing(String key, String why) {
        return new IllegalStateException(
                key
                        + " is not set: "
                        + why
                        + ". ./digits makes the key pair in secrets/ on first use; "
                        + "compose and Kubernetes mount it from a Secret (see the README's Security section)");
    }
}
