package mmdigits.common.sample;

/** A sample that breaks a rule; {@link #field()} names the field at fault. */
public class InvalidSampleException extends RuntimeException {
    private final String field;

    public InvalidSampleException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
