package mmdigits.common.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** WAV files built byte by byte from the RIFF/WAVE specification, one per supported encoding. */
class WavTest {
    /** The test signal: a ramp from -0.75 to +0.75 over n samples. */
    static double value(int i, int n) {
        return -0.75 + 1.5 * i / (n - 1);
    }

    static byte[] wav(int format, int bits, int channels, int rate, int n, boolean extensible) {
        int bytesPerSample = bits / 8;
        ByteBuffer data =
                ByteBuffer.allocate(n * channels * bytesPerSample).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++) {
                double v = value(i, n) * (c == 0 ? 1 : 0.5); // channels differ: mono is their mean
                switch (format * 100 + bits) {
                    case 108 -> data.put((byte) (Math.round(v * 128) + 128));
                    case 116 -> data.putShort((short) Math.round(v * 32768));
                    case 124 -> {
                        int s = (int) Math.round(v * 8388608);
                        data.put((byte) s).put((byte) (s >> 8)).put((byte) (s >> 16));
                    }
                    case 132 -> data.putInt((int) Math.round(v * 2147483648.0));
                    case 332 -> data.putFloat((float) v);
                    case 364 -> data.putDouble(v);
                    default -> throw new IllegalArgumentException();
                }
            }
        }
        int fmtSize = extensible ? 40 : 16;
        ByteBuffer fmt = ByteBuffer.allocate(fmtSize).order(ByteOrder.LITTLE_ENDIAN);
        fmt.putShort((short) (extensible ? 0xFFFE : format))
                .putShort((short) channels)
                .putInt(rate)
                .putInt(rate * channels * bytesPerSample)
                .putShort((short) (channels * bytesPerSample))
                .putShort((short) bits);
        if (extensible) {
            fmt.putShort((short) 22)
                    .putShort((short) bits)
                    .putInt(channels == 1 ? 4 : 3)
                    .putShort((short) format)
                    .put(
                            new byte[] {
                                0,
                                0,
                                0,
                                0,
                                0x10,
                                0,
                                (byte) 0x80,
                                0,
                                0,
                                (byte) 0xAA,
                                0,
                                0x38,
                                (byte) 0x9B,
                                0x71
                            });
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes(StandardCharsets.US_ASCII))
                .putInt(4 + 8 + fmtSize + 8 + 4 + 8 + data.capacity())
                .put("WAVE".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(h.array());
        out.writeBytes(chunk("fmt ", fmt.array()));
        out.writeBytes(chunk("LIST", new byte[] {'I', 'N', 'F', 'O'})); // an unknown chunk to skip
        out.writeBytes(chunk("data", data.array()));
        return out.toByteArray();
    }

    static byte[] chunk(String id, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(8 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(id.getBytes(StandardCharsets.US_ASCII)).putInt(body.length).put(body);
        return b.array();
    }

    @Test
    void decodesEveryEncodingMonoAndStereo() throws Exception {
        int[][] encodings = {{1, 8}, {1, 16}, {1, 24}, {1, 32}, {3, 32}, {3, 64}};
        double[] tolerance = {1.0 / 128, 1.0 / 32768, 1e-6, 1e-8, 1e-7, 1e-7};
        for (int e = 0; e < encodings.length; e++) {
            for (int channels : new int[] {1, 2}) {
                for (boolean extensible : new boolean[] {false, true}) {
                    int format = encodings[e][0];
                    int bits = encodings[e][1];
                    Wav.Audio a =
                            Wav.decode(
                                    wav(format, bits, channels, 22050, 500, extensible), "t.wav");
                    assertThat(a.sampleRate()).isEqualTo(22050);
                    assertThat(a.samples()).hasSize(500);
                    for (int i = 0; i < 500; i += 37) {
                        double expected = channels == 1 ? value(i, 500) : value(i, 500) * 0.75;
                        assertThat((double) a.samples()[i])
                                .as(
                                        "format %d, %d bits, %d channels, sample %d",
                                        format, bits, channels, i)
                                .isCloseTo(expected, within(tolerance[e] * 1.5 + 1e-7));
                    }
                }
            }
        }
    }

    @Test
    void pcm16RoundTrip() throws Exception {
        float[] x = new float[100];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i / 5.0) * 0.5f;
        }
        Wav.Audio a = Wav.decode(Wav.encodePcm16(x, 8000), "rt.wav");
        assertThat(a.sampleRate()).isEqualTo(8000);
        for (int i = 0; i < x.length; i++) {
            assertThat(a.samples()[i]).isCloseTo(x[i], within(1f / 32768));
        }
    }

    @Test
    void badFilesSayWhy() throws InvalidAudioException {
        assertThatThrownBy(() -> Wav.decode("hello".getBytes(), "voice.wav"))
                .isInstanceOf(InvalidAudioException.class)
                .hasMessage("voice.wav: not a WAV file (no RIFF/WAVE header)");
        byte[] alaw = wav(1, 16, 1, 8000, 10, false);
        alaw[20] = 6; // WAVE_FORMAT_ALAW
        assertThatThrownBy(() -> Wav.decode(alaw, "a.wav"))
                .hasMessage(
                        "a.wav: encoding format 6 with 16 bits per sample is not supported (PCM 8/16/24/32, float 32/64)");
        byte[] noData = Arrays.copyOf(wav(1, 16, 1, 8000, 10, false), 12 + 8 + 16);
        assertThatThrownBy(() -> Wav.decode(noData, "n.wav")).hasMessage("n.wav: no 'data' chunk");
        byte[] slow = wav(1, 16, 1, 8000, 10, false);
        ByteBuffer.wrap(slow).order(ByteOrder.LITTLE_ENDIAN).putInt(24, 10);
        assertThatThrownBy(() -> Wav.decode(slow, "s.wav"))
                .hasMessage("s.wav: sample rate 10 Hz is not supported (1,000-384,000)");
        // the length is judged from the header, before decoding: 31 s of 8 kHz refused, 29 s taken
        assertThatThrownBy(
                        () ->
                                Wav.decode(
                                        Wav.encodePcm16(new float[31 * 8000], 8000),
                                        "long.wav",
                                        30))
                .hasMessage("long.wav: 31.0 s of audio, at most 30 s");
        assertThat(Wav.decode(Wav.encodePcm16(new float[29 * 8000], 8000), "ok.wav", 30).seconds())
                .isEqualTo(29.0);
    }
}
