package io.averon.core.report;

import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/** Escaping and formatting for the report's HTML: every piece of text goes through {@link #escape}. */
final class Html {

    private Html() {
    }

    /** Text as HTML: the five markup characters become entities, so user data can never become markup. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** An {@code <img>} showing a PNG embedded as a data URI. */
    static String img(byte[] png, String alt, String cssClass) {
        return "<img" + (cssClass == null ? "" : " class=\"" + cssClass + "\"") + " src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png) + "\" alt=\"" + escape(alt) + "\">";
    }

    /** A number with four significant digits ({@code NaN} and infinities spelled out). */
    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return Double.toString(value);
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e9) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%.4g", value).replaceFirst("(\\.\\d*?)0+(e|$)", "$1$2")
                .replaceFirst("\\.(e|$)", "$1");
    }

    /** A fraction in [0, 1] as a percentage with one decimal. */
    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "NaN" : String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    /** A configuration value, compact: nested maps as {@code k=v, ...}, arrays by their elements. */
    static String value(Object value) {
        if (value instanceof Double d) {
            return number(d);
        }
        if (value instanceof Float f) {
            return number(f);
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(out.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(value(e.getValue()));
            }
            return out.toString();
        }
        if (value instanceof double[] a) {
            return Arrays.toString(a);
        }
        if (value instanceof int[] a) {
            return Arrays.toString(a);
        }
        if (value instanceof long[] a) {
            return Arrays.toString(a);
        }
        if (value instanceof Object[] a) {
            return Arrays.deepToString(a);
        }
        return String.valueOf(value);
    }
}
