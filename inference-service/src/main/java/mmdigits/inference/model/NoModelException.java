package mmdigits.inference.model;

/** No model has been released (or loaded) yet: the service cannot answer; 503. */
public class NoModelException extends RuntimeException {
    public NoModelException(String modelName) {
        super(
                "no model '"
                        + modelName
                        + "' is loaded yet: train one (trainer-service) and wait for its release on digits.models");
    }
}
