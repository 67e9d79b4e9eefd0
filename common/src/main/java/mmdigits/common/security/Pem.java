package mmdigits.common.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Keys in PEM files: a PKCS#8 {@code PRIVATE KEY} and an X.509 {@code PUBLIC KEY} (what {@code
 * openssl genpkey} writes).
 */
public final class Pem {
    private Pem() {}

    public static PrivateKey privateKey(Path file, String algorithm)
            throws IOException, GeneralSecurityException {
        return KeyFactory.getInstance(algorithm)
                .generatePrivate(new PKCS8EncodedKeySpec(der(file, "PRIVATE KEY")));
    }

    public static PublicKey publicKey(Path file, String algorithm)
            throws IOException, GeneralSecurityException {
        return KeyFactory.getInstance(algorithm)
                .generatePublic(new X509EncodedKeySpec(der(file, "PUBLIC KEY")));
    }

    private static byte[] der(Path file, String type) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(file + ": not a PEM file with a " + type);
        }
        return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    }
}
