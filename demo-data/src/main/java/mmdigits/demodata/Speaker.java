package mmdigits.demodata;

/**
 * A synthetic speaker: an engine with one voice configuration. Speakers of the test split never
 * occur in the train split.
 *
 * @param engine "espeak-ng" or "flite"
 * @param voice espeak-ng voice (e.g. en-us) or flite voice (e.g. slt)
 * @param variant espeak-ng variant (e.g. f3, Storm), or "" for none
 * @param f0 flite target mean pitch in Hz, or 0 for the voice's own
 */
public record Speaker(String engine, String voice, String variant, int f0) {
    public static final String ESPEAK = "espeak-ng";
    public static final String FLITE = "flite";

    public String id() {
        return switch (engine) {
            case ESPEAK -> engine + ":" + voice + (variant.isEmpty() ? "" : "+" + variant);
            default -> engine + ":" + voice + (f0 == 0 ? "" : "@" + f0 + "Hz");
        };
    }

    @Override
    public String toString() {
        return id();
    }
}
