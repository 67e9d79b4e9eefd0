package mmdigits.common.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * RIFF/WAVE decoding to mono float samples in [-1, 1]: PCM 8 (unsigned), 16, 24 and 32 bit, IEEE
 * float 32 and 64 bit, plain or WAVE_FORMAT_EXTENSIBLE; any number of channels (averaged to mono);
 * any sample rate (kept: {@link Resampler} converts).
 */
public final class Wav {
    private static final int PCM = 1;
    private static final int FLOAT = 3;
    private static final int EXTENSIBLE = 0xFFFE;

    /** Decoded audio: mono samples and their rate. */
    public record Audio(float[] samples, int sampleRate) {
        public double seconds() {
            return samples.length / (double) sampleRate;
        }
    }

    private Wav() {}

    public static Audio decode(byte[] bytes, String source) throws InvalidAudioException {
        return decode(bytes, source, Double.POSITIVE_INFINITY);
    }

    /**
     * Decodes audio of at most {@code maxSeconds}, judged from the header before any sample is
     * decoded.
     *
     * @throws InvalidAudioException not a supported WAV file, or longer than {@code maxSeconds}
     */
    public static Audio decode(byte[] bytes, String source, double maxSeconds)
            throws InvalidAudioException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || !tag(b, 0, "RIFF") || !tag(b, 8, "WAVE")) {
            throw new InvalidAudioException(source, "not a WAV file (no RIFF/WAVE header)");
        }
        int pos = 12;
        int format = -1;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        int blockAlign = 0;
        int dataStart = -1;
        int dataLength = 0;
        while (pos + 8 <= bytes.length) {
            String id = new String(bytes, pos, 4, StandardCharsets.US_ASCII);
            long size = b.getInt(pos + 4) & 0xFFFFFFFFL;
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (size < 16 || body + 16 > bytes.length) {
                    throw new InvalidAudioException(source, "truncated 'fmt ' chunk");
                }
                format = b.getShort(body) & 0xFFFF;
                channels = b.getShort(body + 2) & 0xFFFF;
                rate = b.getInt(body + 4);
                blockAlign = b.getShort(body + 12) & 0xFFFF;
                bits = b.getShort(body + 14) & 0xFFFF;
                if (format == EXTENSIBLE) {
                    if (size < 40 || body + 40 > bytes.length) {
                        throw new InvalidAudioException(
                                source, "truncated WAVE_FORMAT_EXTENSIBLE header");
                    }
                    format =
                            b.getShort(body + 24)
                                    & 0xFFFF; // first two bytes of the sub-format GUID
                }
            } else if (id.equals("data")) {
                dataStart = body;
                // streaming writers (e.g. espeak-ng --stdout) leave the size at 0 or 0xFFFFFFFF:
                // take the rest
                long available = bytes.length - body;
                dataLength = (int) (size == 0 || size > available ? available : size);
                break;
            }
            pos = (int) Math.min(Integer.MAX_VALUE, body + size + (size & 1));
        }
        if (format < 0) {
            throw new InvalidAudioException(source, "no 'fmt ' chunk");
        }
        if (dataStart < 0) {
            throw new InvalidAudioException(source, "no 'data' chunk");
        }
        if (channels < 1) {
            throw new InvalidAudioException(source, "0 channels");
        }
        if (rate < 1000 || rate > 384_000) {
            throw new InvalidAudioException(
                    source, "sample rate " + rate + " Hz is not supported (1,000-384,000)");
        }
        boolean pcm = format == PCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32);
        boolean flt = format == FLOAT && (bits == 32 || bits == 64);
        if (!pcm && !flt) {
            throw new InvalidAudioException(
                    source,
                    "encoding "
                            + (format == PCM
                                    ? "PCM"
                                    : format == FLOAT ? "float" : "format " + format)
                            + " with "
                            + bits
                            + " bits per sample is not supported (PCM 8/16/24/32, float 32/64)");
        }
        int bytesPerSample = bits / 8;
        int frameBytes = Math.max(blockAlign, bytesPerSample * channels);
        int frames = dataLength / frameBytes;
        if (frames == 0) {
            throw new InvalidAudioException(source, "no audio samples in the 'data' chunk");
        }
        if (frames / (double) rate > maxSeconds) {
            throw new InvalidAudioException(
                    source,
                    String.format(
                            "%.1f s of audio, at most %.0f s", frames / (double) rate, maxSeconds));
        }
        float[] mono = new float[frames];
        for (int f = 0; f < frames; f++) {
            double sum = 0;
            int base = dataStart + f * frameBytes;
            for (int c = 0; c < channels; c++) {
                int p = base + c * bytesPerSample;
                sum +=
                        switch (bits) {
                            case 8 -> flt ? 0 : ((bytes[p] & 0xFF) - 128) / 128.0;
                            case 16 -> b.getShort(p) / 32768.0;
                            case 24 ->
                                    ((bytes[p] & 0xFF)
                                                    | (bytes[p + 1] & 0xFF) << 8
                                                    | bytes[p + 2] << 16)
                                            / 8388608.0;
                            case 32 -> flt ? b.getFloat(p) : b.getInt(p) / 2147483648.0;
                            default -> b.getDouble(p);
                        };
            }
            float v = (float) (sum / channels);
            if (!Float.isFinite(v)) {
                throw new InvalidAudioException(source, "sample " + f + " is not a finite number");
            }
            mono[f] = v;
        }
        return new Audio(mono, rate);
    }

    private static boolean tag(ByteBuffer b, int at, String tag) {
        for (int i = 0; i < 4; i++) {
            if (b.get(at + i) != tag.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Encodes mono samples in [-1, 1] as 16-bit PCM WAV. */
    public static byte[] encodePcm16(float[] samples, int rate) {
        ByteBuffer b = ByteBuffer.allocate(44 + samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII))
                .putInt(36 + samples.length * 2)
                .put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII))
                .putInt(16)
                .putShort((short) PCM)
                .putShort((short) 1)
                .putInt(rate)
                .putInt(rate * 2)
                .putShort((short) 2)
                .putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII))
                .putInt(samples.length * 2);
        for (float s : samples) {
            b.putShort((short) Math.max(-32768, Math.min(32767, Math.round(s * 32768.0))));
        }
        return b.array();
    }
}
