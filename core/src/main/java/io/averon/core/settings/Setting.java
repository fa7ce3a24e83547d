package io.averon.core.settings;

import io.averon.core.InvalidInputException;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One setting, declared once where its value lives (e.g. {@code TrainingConfig.EPOCHS}): its name,
 * type, default, rule and documentation. The same declaration gives the command line's
 * {@code --NAME} option its default and help text, the Spark configuration key
 * {@code spark.averon.NAME}, the Java builder's default, the check every value passes, and the key
 * under which metrics.json and model.zip record it.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {

    private final String name;
    private final String key;
    private final Class<T> type;
    private final T defaultValue;
    private final String doc;
    private final Predicate<T> rule;
    private final String must;

    private Setting(String name, String key, Class<T> type, T defaultValue, String doc, Predicate<T> rule,
                    String must) {
        this.name = Objects.requireNonNull(name);
        this.key = key;
        this.type = Objects.requireNonNull(type);
        this.defaultValue = defaultValue;
        this.doc = Objects.requireNonNull(doc);
        this.rule = rule;
        this.must = must;
        if (defaultValue != null) {
            validate(defaultValue);
        }
    }

    /**
     * A setting.
     *
     * @param name         the command-line name without dashes ({@code batch-size})
     * @param defaultValue the default, or null when there is none or it depends on other settings
     *                     (the doc says how)
     * @param doc          one or two sentences for the help text, without the default
     */
    public static <T> Setting<T> of(String name, Class<T> type, T defaultValue, String doc) {
        return new Setting<>(name, null, type, defaultValue, doc, null, null);
    }

    /** This setting with a rule every value must pass; {@code must} says it ("must be >= 1"). */
    public Setting<T> requiring(Predicate<T> check, String mustText) {
        return new Setting<>(name, key, type, defaultValue, doc, check, mustText);
    }

    /** This setting recorded under another key than its name (an established metrics.json key). */
    public Setting<T> recordedAs(String recordKey) {
        return new Setting<>(name, recordKey, type, defaultValue, doc, rule, must);
    }

    /** An integer setting of at least {@code min}. */
    public static Setting<Integer> atLeast(String name, int defaultValue, int min, String doc) {
        return of(name, Integer.class, defaultValue, doc).requiring(v -> v >= min, "must be >= " + min);
    }

    public String name() {
        return name;
    }

    /** {@code --NAME}. */
    public String option() {
        return "--" + name;
    }

    /** The key metrics.json's {@code config} and the model manifest record it under ({@code batch_size}). */
    public String key() {
        return key != null ? key : name.replace('-', '_');
    }

    public Class<T> type() {
        return type;
    }

    /** The default, or null. */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as the command line spells it (enums in lower case), or null. */
    public String defaultText() {
        if (defaultValue == null) {
            return null;
        }
        return defaultValue instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : String.valueOf(defaultValue);
    }

    public String doc() {
        return doc;
    }

    /**
     * {@code value}, checked.
     *
     * @throws InvalidInputException naming the option, the rule and the value
     */
    public T validate(T value) {
        if (rule != null && value != null && !rule.test(value)) {
            throw new InvalidInputException(option() + " " + must + ", got " + text(value));
        }
        return value;
    }

    private static String text(Object value) {
        return value instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : String.valueOf(value);
    }

    @Override
    public String toString() {
        return option();
    }
}
