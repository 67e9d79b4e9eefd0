package mmdigits.common.audio;

/** Audio that cannot be decoded; the message names the file (or field) and the problem. */
public class InvalidAudioException extends Exception {
    private final String source;

    public InvalidAudioException(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
    }

    public String source() {
        return source;
    }
}
