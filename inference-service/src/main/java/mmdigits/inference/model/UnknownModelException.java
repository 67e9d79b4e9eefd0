package mmdigits.inference.model;

/**
 * A model name or version that this service does not serve (never registered, removed, or not
 * loaded); 404.
 */
public class UnknownModelException extends RuntimeException {
    public UnknownModelException(String message) {
        super(message);
    }
}
