package io.averon.core.model;

import java.lang.reflect.Field;
import java.util.function.Function;

/**
 * Where a DL4J layer keeps its helper (the oneDNN implementation of its passes): a field named
 * {@code helper}, without a setter. Averon's helpers take DL4J's helper's place and keep it for
 * what they leave to it.
 */
final class HelperSlot {

    private HelperSlot() {
    }

    /**
     * Puts {@code wrap(dl4jHelper)} in the helper field {@code layerClass} declares on {@code layer},
     * if the layer's helper is DL4J's {@code dl4jType}; returns the helper installed (the one already
     * there if it is an {@code averonType}), or null: no such helper (plain build, helpers off) or
     * another DL4J version, whose own helper stays.
     */
    static <H, D> H install(Object layer, Class<?> layerClass, Class<H> averonType, Class<D> dl4jType,
                            Function<D, H> wrap) {
        try {
            Field field = layerClass.getDeclaredField("helper");
            field.setAccessible(true);
            Object current = field.get(layer);
            if (averonType.isInstance(current)) {
                return averonType.cast(current);
            }
            if (!dl4jType.isInstance(current)) {
                return null;
            }
            H helper = wrap.apply(dl4jType.cast(current));
            field.set(layer, helper);
            return helper;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
