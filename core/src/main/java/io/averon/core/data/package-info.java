/**
 * Data readers (IDX, CSV, image folders), the in-memory {@link io.averon.core.data.ArrayDataSet},
 * train/validation splits and normalisation. Every reader validates its input before it
 * allocates large buffers, and reports problems as {@link io.averon.core.InvalidInputException}
 * naming the file and record.
 */
package io.averon.core.data;
