package io.averon.driver.training;

import io.averon.ps.protocol.Encoding;

/** {@code --compress}: how workers push the parameters' change in rounds that carry the parameters alone. */
public enum Compression {
    /** float32 values, as they are. */
    NONE(Encoding.FLOAT32),
    /** bfloat16: half the bytes. */
    BF16(Encoding.BF16),
    /** int8 with a scale per block: a quarter of the bytes. */
    INT8(Encoding.INT8);

    private final Encoding encoding;

    Compression(Encoding encoding) {
        this.encoding = encoding;
    }

    /** The wire encoding. */
    public Encoding encoding() {
        return encoding;
    }
}
