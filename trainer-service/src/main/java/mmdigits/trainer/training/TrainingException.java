package mmdigits.trainer.training;

/** The run cannot go on (bad data or an export that does not match); nothing is released. */
public class TrainingException extends RuntimeException {
    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
