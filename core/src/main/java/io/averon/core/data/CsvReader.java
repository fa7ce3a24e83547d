package io.averon.core.data;

import io.averon.core.InvalidInputException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import io.averon.core.io.Location;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads a tabular data set from a UTF-8 CSV file: one label column (see {@link CsvOptions}) and
 * numeric feature columns, one example per row. The result has example shape
 * {@code [numFeatures]}, features in file column order (label column removed), and is named by
 * the file path.
 *
 * <p>The file is read in one streaming pass into primitive arrays. Every problem is reported as an
 * {@link InvalidInputException} with a one-line message naming the file, the 1-based line (for a
 * record spanning several lines: its last line) and the column where one applies. Feature values
 * must be finite decimal numbers; {@code NaN} and {@code Infinity} are rejected. Blank lines are
 * skipped, cells are trimmed, a UTF-8 byte-order mark is ignored.
 */
public final class CsvReader {

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern NON_FINITE = Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setTrim(true).setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true).build();
    private static final int MAX_VALUES = Integer.MAX_VALUE - 16;

    private CsvReader() {
    }

    /** Reads {@code file} with {@link CsvOptions#defaults()}. */
    public static ArrayDataSet read(Path file) {
        return read(file, CsvOptions.defaults());
    }

    /** Reads {@code file} as {@code options} say; throws {@link InvalidInputException} on bad input. */
    public static ArrayDataSet read(Path file, CsvOptions options) {
        Objects.requireNonNull(file, "file");
        return read(Location.of(file), options);
    }

    /** As {@link #read(Path, CsvOptions)}, for any location the Hadoop FileSystem API reads. */
    public static ArrayDataSet read(Location file, CsvOptions options) {
        return read(file, options, null);
    }

    /**
     * As {@link #read(Location, CsvOptions)}; with {@code rejects}, a bad data row (wrong column
     * count, missing or unknown label, a value that is not a finite number) goes to it and the
     * read goes on. Problems with the file as a whole still fail the read.
     */
    public static ArrayDataSet read(Location file, CsvOptions options, RejectSink rejects) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        String where = show(file.toString());
        if (!file.exists()) {
            throw new InvalidInputException(where + ": no such file");
        }
        if (!file.isFile()) {
            throw new InvalidInputException(where + (file.isDirectory() ? ": is a directory, not a CSV file"
                    : ": not a regular file"));
        }
        try (Reader reader = new java.io.BufferedReader(new java.io.InputStreamReader(file.open(), StandardCharsets.UTF_8.newDecoder()));
             CSVParser parser = CSVParser.parse(reader, FORMAT)) {
            return new Pass(file.toString(), where, options, parser, rejects).run();
        } catch (IOException e) {
            throw new InvalidInputException(where + ": cannot read (" + show(String.valueOf(e.getMessage())) + ")", e);
        }
    }

    /** The state of one read. */
    private static final class Pass {
        private final String name;
        private final String where;
        private final CsvOptions options;
        private final CSVParser parser;
        private final Iterator<CSVRecord> rows;
        private int columns;
        private int label;
        private List<String> header;
        private final FloatBuffer features = new FloatBuffer();
        private final FloatBuffer targets = new FloatBuffer();
        private int[] classIds = new int[1024];
        private int count;
        private final Map<String, Integer> classIndex = new HashMap<>();
        private final List<String> classes = new ArrayList<>();

        private final RejectSink rejects;

        Pass(String name, String where, CsvOptions options, CSVParser parser, RejectSink rejects) {
            this.rejects = rejects;
            this.name = name;
            this.where = where;
            this.options = options;
            this.parser = parser;
            this.rows = parser.iterator();
            if (options.classNames() != null) {
                for (String c : options.classNames()) {
                    classIndex.put(c, classes.size());
                    classes.add(c);
                }
            }
        }

        ArrayDataSet run() {
            if (!hasNext()) {
                throw new InvalidInputException(where + ": empty (no data rows)");
            }
            List<String> first = new ArrayList<>(rows.next().toList());
            long firstLine = parser.getCurrentLineNumber();
            if (!first.isEmpty() && first.get(0).startsWith("\uFEFF")) {
                first.set(0, first.get(0).substring(1).strip());
            }
            layout(first);
            if (header == null) {
                add(first, firstLine);
            }
            while (hasNext()) {
                CSVRecord row = rows.next();
                add(row.toList(), parser.getCurrentLineNumber());
            }
            if (count == 0) {
                throw new InvalidInputException(where + ": empty (no data rows)");
            }
            return new ArrayDataSet(name, new int[] {columns - 1}, features.toArray(), labels());
        }

        private boolean hasNext() {
            try {
                return rows.hasNext();
            } catch (UncheckedIOException e) {
                long line = Math.max(1, parser.getCurrentLineNumber());
                String problem = e.getCause() instanceof CharacterCodingException
                        ? "not valid UTF-8 text"
                        : "malformed CSV (" + show(String.valueOf(e.getCause().getMessage())) + ")";
                throw new InvalidInputException(where + " line " + line + ": " + problem, e);
            }
        }

        /** Decides header / label column from the first row, before any data row is read. */
        private void layout(List<String> first) {
            columns = first.size();
            String column = options.labelColumn();
            boolean hasHeader;
            if (column == null || DIGITS.matcher(column).matches()) {
                BigInteger index = column == null ? BigInteger.valueOf(columns - 1L) : new BigInteger(column);
                if (index.compareTo(BigInteger.valueOf(columns)) >= 0) {
                    throw new InvalidInputException(where + ": label column index " + index + " is out of range: line "
                            + parser.getCurrentLineNumber() + " has " + columns + " columns (indices 0.." + (columns - 1) + ")");
                }
                label = index.intValue();
                hasHeader = options.header() != null ? options.header() : anyNonNumber(first, label);
            } else {
                hasHeader = options.header() != null ? options.header()
                        : first.contains(column) || anyNonNumber(first, -1);
                if (!hasHeader) {
                    throw new InvalidInputException(where + ": label column '" + show(column)
                            + "' is a name, but the file has no header row; give a 0-based column index instead");
                }
                label = first.indexOf(column);
                if (label < 0) {
                    throw new InvalidInputException(where + ": label column '" + show(column) + "' not found in header "
                            + showList(first));
                }
                if (first.lastIndexOf(column) != label) {
                    throw new InvalidInputException(where + ": label column '" + show(column)
                            + "' appears more than once in header " + showList(first));
                }
            }
            header = hasHeader ? List.copyOf(first) : null;
            if (columns < 2) {
                throw new InvalidInputException(where + ": no feature columns (only the label column "
                        + columnName(label) + ")");
            }
        }

        private void add(List<String> cells, long line) {
            if ((long) (count + 1) * (columns - 1) > MAX_VALUES) {
                throw new InvalidInputException(where + " line " + line + ": too many values to hold in memory");
            }
            String record = where + " line " + line;
            try {
                addRecord(cells, record);
            } catch (BadRecordException e) {
                if (rejects == null) {
                    throw e;
                }
                rejects.reject(e);
            }
        }

        /** Parses the whole row before keeping any of it, so a rejected row leaves nothing behind. */
        private void addRecord(List<String> cells, String record) {
            if (cells.size() != columns) {
                throw bad(record, ": ", cells.size() + " columns, expected " + columns);
            }
            String value = cells.get(label);
            if (value.isEmpty()) {
                throw bad(record, ": ", "missing label in column " + columnName(label));
            }
            float[] row = new float[columns - 1];
            for (int j = 0, k = 0; j < columns; j++) {
                if (j != label) {
                    row[k++] = number(cells.get(j), record, j, "");
                }
            }
            int id = -1;
            if (options.regression()) {
                targets.add(number(value, record, label, "label "));
            } else {
                Integer known = classIndex.get(value);
                if (known == null && options.classNames() != null) {
                    throw bad(record, ": ", "label '" + show(value) + "' is not one of the model's classes "
                            + showList(options.classNames()));
                }
                id = known != null ? known : classes.size();
            }
            for (float v : row) {
                features.add(v);
            }
            if (!options.regression()) {
                if (id == classes.size()) {
                    classIndex.put(value, id);
                    classes.add(value);
                }
                if (count == classIds.length) {
                    classIds = Arrays.copyOf(classIds, FloatBuffer.grow(count));
                }
                classIds[count] = id;
            }
            count++;
        }

        private float number(String cell, String record, int column, String what) {
            String at = "column " + columnName(column) + ": " + what;
            if (cell.isEmpty()) {
                throw bad(record, ", ", at + "missing value");
            }
            if (NON_FINITE.matcher(cell).matches()) {
                throw bad(record, ", ", at + "'" + show(cell) + "' is not allowed (values must be finite numbers)");
            }
            if (!NUMBER.matcher(cell).matches()) {
                throw bad(record, ", ", at + "'" + show(cell) + "' is not a number");
            }
            float v = Float.parseFloat(cell);
            if (!Float.isFinite(v)) {
                throw bad(record, ", ", at + "'" + show(cell) + "' is out of the float range");
            }
            return v;
        }

        private static BadRecordException bad(String record, String separator, String reason) {
            return new BadRecordException(record, reason, record + separator + reason);
        }

        private Labels labels() {
            if (options.regression()) {
                return new Labels.Targets(targets.toArray());
            }
            int[] ids = Arrays.copyOf(classIds, count);
            if (options.classNames() != null) {
                return new Labels.Classes(ids, options.classNames());
            }
            if (classes.size() < 2) {
                throw new InvalidInputException(where + ": column " + columnName(label) + " has only " + classes.size()
                        + " distinct label ('" + show(classes.get(0)) + "'); classification needs at least 2 classes");
            }
            List<String> sorted = new ArrayList<>(classes);
            boolean integers = sorted.stream().allMatch(c -> INTEGER.matcher(c).matches());
            sorted.sort(integers
                    ? Comparator.comparing((String c) -> new BigInteger(c)).thenComparing(Comparator.naturalOrder())
                    : Comparator.naturalOrder());
            int[] remap = new int[classes.size()];
            for (int i = 0; i < sorted.size(); i++) {
                remap[classIndex.get(sorted.get(i))] = i;
            }
            for (int i = 0; i < ids.length; i++) {
                ids[i] = remap[ids[i]];
            }
            return new Labels.Classes(ids, sorted);
        }

        private String columnName(int j) {
            return header != null && !header.get(j).isEmpty() ? "'" + show(header.get(j)) + "'" : "index " + j;
        }
    }

    /** True if a non-empty cell other than {@code skip} is not a number (NaN/Infinity count as numbers). */
    private static boolean anyNonNumber(List<String> cells, int skip) {
        for (int j = 0; j < cells.size(); j++) {
            String c = cells.get(j);
            if (j != skip && !c.isEmpty() && !NUMBER.matcher(c).matches() && !NON_FINITE.matcher(c).matches()) {
                return true;
            }
        }
        return false;
    }

    /** A value made safe for a one-line message: control characters escaped, long values cut. */
    static String show(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < 80; i++) {
            char ch = value.charAt(i);
            out.append(ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : Character.isISOControl(ch) ? "?" : String.valueOf(ch));
        }
        return out.length() >= 80 ? out + "..." : out.toString();
    }

    private static String showList(List<String> values) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < Math.min(values.size(), 30); i++) {
            shown.add(show(values.get(i)));
        }
        return shown + (values.size() > 30 ? " (" + values.size() + " in all)" : "");
    }

    /** A growable primitive float array. */
    private static final class FloatBuffer {
        private float[] values = new float[1024];
        private int size;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, grow(size));
            }
            values[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }

        static int grow(int size) {
            return (int) Math.min(MAX_VALUES, Math.max(16L, size + (size >> 1) + 16L));
        }
    }
}
