package io.averon.core.settings;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A record's settings as metrics.json's {@code config} and the model manifest hold them: each value
 * under its {@link Setting#key()}, in declaration order; enums in lower case, as the command line
 * spells them.
 */
public final class SettingValues {

    private final Map<String, Object> values = new LinkedHashMap<>();

    public <T> SettingValues put(Setting<T> setting, T value) {
        values.put(setting.key(), value instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : value);
        return this;
    }

    /** Only when {@code value} is not null (a setting that was not given and has no default). */
    public <T> SettingValues putIfSet(Setting<T> setting, T value) {
        return value == null ? this : put(setting, value);
    }

    /** A value recorded in words rather than as the setting's type ("detected" for a header not given). */
    public SettingValues putDescribed(Setting<?> setting, Object description) {
        values.put(setting.key(), description);
        return this;
    }

    /** A fact recorded beside the settings that no option sets (e.g. which default the run chose), under {@code key} as metrics.json spells keys (snake case). */
    public SettingValues putRecorded(String key, Object value) {
        values.put(key, value);
        return this;
    }

    public Map<String, Object> toMap() {
        return new LinkedHashMap<>(values);
    }
}
