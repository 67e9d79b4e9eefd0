package mmdigits.common.seed;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The NPY element types we read and write (numpy's type code without the byte-order character). */
public enum NpyDType {
    BOOL("b1", 1),
    UINT8("u1", 1),
    INT8("i1", 1),
    INT16("i2", 2),
    INT32("i4", 4),
    INT64("i8", 8),
    FLOAT32("f4", 4),
    FLOAT64("f8", 8);

    private final String code;
    private final int size;

    NpyDType(String code, int size) {
        this.code = code;
        this.size = size;
    }

    public String code() {
        return code;
    }

    public int size() {
        return size;
    }

    /**
     * Accepts the type part of a numpy descr such as {@code f4}, also numpy's aliases {@code ?} and
     * {@code B}/{@code b}.
     */
    static NpyDType ofCode(String code) {
        String c =
                switch (code) {
                    case "?" -> "b1";
                    case "B" -> "u1";
                    case "b" -> "i1";
                    default -> code;
                };
        for (NpyDType t : values()) {
            if (t.code.equals(c)) {
                return t;
            }
        }
        return null;
    }

    static String supported() {
        return Arrays.stream(values()).map(NpyDType::code).collect(Collectors.joining(", "));
    }
}
