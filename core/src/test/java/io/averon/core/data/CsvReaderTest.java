package io.averon.core.data;

import static io.averon.core.InvalidInputAssertions.assertInvalidInput;
import io.averon.core.InvalidInputException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("fast")
class CsvReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static CsvOptions label(String column) {
        return CsvOptions.builder().labelColumn(column).build();
    }

    /** Asserts the read fails with a one-line message naming the file and containing every fragment. */
    private static String assertInvalid(Path file, CsvOptions options, String... fragments) {
        String message = assertInvalidInput(() -> CsvReader.read(file, options), fragments);
        assertTrue(message.contains(file.getFileName().toString()), () -> "no file name in: " + message);
        return message;
    }

    @Test
    void shouldParseFeaturesAndClassesWhenHeaderNamesTheLabel() throws IOException {
        Path file = write("data.csv", "gpa,gre,admit\n3.5,700,yes\n2.0,500,no\n3.9,\"650\",yes\n");
        ArrayDataSet data = CsvReader.read(file, label("admit"));
        assertEquals(file.toString(), data.name());
        assertArrayEquals(new int[] {2}, data.exampleShape());
        assertArrayEquals(new float[] {3.5f, 700, 2.0f, 500, 3.9f, 650}, data.features());
        assertEquals(List.of("no", "yes"), data.classNames());
        assertArrayEquals(new int[] {1, 0, 1}, data.classes().values());
    }

    @Test
    void shouldDropTheLabelColumnWhenItIsInTheMiddle() throws IOException {
        Path file = write("mid.csv", "a,y,b\n1,cat,2\n3,dog,4\n");
        ArrayDataSet data = CsvReader.read(file, label("y"));
        assertArrayEquals(new float[] {1, 2, 3, 4}, data.features());
        assertEquals(List.of("cat", "dog"), data.classNames());
    }

    @Test
    void shouldTreatFirstRowAsDataWhenAllItsFeatureCellsAreNumbers() throws IOException {
        Path file = write("nums.csv", "1,2,yes\n3,4,no\n");
        ArrayDataSet data = CsvReader.read(file, label("2"));
        assertEquals(2, data.size());
        assertArrayEquals(new float[] {1, 2, 3, 4}, data.features());
        assertArrayEquals(new int[] {1, 0}, data.classes().values());
    }

    @Test
    void shouldDetectHeaderWhenAFeatureCellIsNotANumber() throws IOException {
        Path file = write("hdr.csv", "x1,x2,0\n1,2,0\n3,4,1\n");
        ArrayDataSet data = CsvReader.read(file, label("2"));
        assertEquals(2, data.size());
        assertArrayEquals(new float[] {1, 2, 3, 4}, data.features());
    }

    @Test
    void shouldSkipFirstRowWhenHeaderIsForcedTrue() throws IOException {
        Path file = write("numhdr.csv", "2019,2020,2021\n1,2,0\n3,4,1\n");
        ArrayDataSet data = CsvReader.read(file, CsvOptions.builder().labelColumn(2).header(true).build());
        assertEquals(2, data.size());
        assertArrayEquals(new float[] {1, 2, 3, 4}, data.features());
    }

    @Test
    void shouldUseLastColumnWhenNoLabelColumnIsGiven() throws IOException {
        Path file = write("last.csv", "a,b,c\n1,2,x\n3,4,y\n");
        ArrayDataSet data = CsvReader.read(file);
        assertArrayEquals(new float[] {1, 2, 3, 4}, data.features());
        assertEquals(List.of("x", "y"), data.classNames());
    }

    @Test
    void shouldReadLabelByIndexWhenLabelColumnIsDigits() throws IOException {
        Path file = write("first.csv", "label,f1,f2\nb,1,2\na,3,4\n");
        ArrayDataSet data = CsvReader.read(file, label("0"));
        assertArrayEquals(new float[] {1, 2, 3, 4}, data.features());
        assertEquals(List.of("a", "b"), data.classNames());
        assertArrayEquals(new int[] {1, 0}, data.classes().values());
    }

    @Test
    void shouldSortClassesNumericallyWhenAllLabelsAreIntegers() throws IOException {
        Path file = write("ints.csv", "f,y\n1,10\n2,2\n3,1\n4,2\n");
        ArrayDataSet data = CsvReader.read(file, label("y"));
        assertEquals(List.of("1", "2", "10"), data.classNames());
        assertArrayEquals(new int[] {2, 1, 0, 1}, data.classes().values());
    }

    @Test
    void shouldSortClassesLexicographicallyWhenSomeLabelsAreNotIntegers() throws IOException {
        Path file = write("mixed.csv", "f,y\n1,10\n2,2\n3,b\n");
        ArrayDataSet data = CsvReader.read(file, label("y"));
        assertEquals(List.of("10", "2", "b"), data.classNames());
    }

    @Test
    void shouldUseTheModelClassesWhenClassNamesAreGiven() throws IOException {
        Path file = write("eval.csv", "f,y\n1,yes\n2,yes\n");
        ArrayDataSet data = CsvReader.read(file, label("y").withClassNames(List.of("yes", "no")));
        assertEquals(List.of("yes", "no"), data.classNames());
        assertArrayEquals(new int[] {0, 0}, data.classes().values());
    }

    @Test
    void shouldReadFloatTargetsWhenRegression() throws IOException {
        Path file = write("reg.csv", "rooms,area,price\n3,70.5,-1.5e2\n4,  90 ,2500.25\n");
        ArrayDataSet data = CsvReader.read(file, CsvOptions.builder().labelColumn("price").regression(true).build());
        assertArrayEquals(new float[] {3, 70.5f, 4, 90}, data.features());
        Labels.Targets targets = assertInstanceOf(Labels.Targets.class, data.labels());
        assertArrayEquals(new float[] {-150f, 2500.25f}, targets.values());
        assertFalse(data.isClassification());
    }

    @Test
    void shouldIgnoreBlankLinesAndByteOrderMarkWhenReading() throws IOException {
        Path file = write("bom.csv", "\uFEFFa,y\r\n\r\n1,p\r\n2,q\r\n");
        ArrayDataSet data = CsvReader.read(file, label("y"));
        assertArrayEquals(new float[] {1, 2}, data.features());
        assertEquals(List.of("p", "q"), data.classNames());
    }

    @Test
    void shouldNameLineAndColumnWhenAFeatureIsNotANumber() throws IOException {
        Path file = write("data.csv", "gpa,gre,admit\n3.5,700,yes\n\n2.0,500,no\n" + "abc,600,no\n");
        assertInvalid(file, label("admit"), "data.csv line 5, column 'gpa': 'abc' is not a number");
    }

    @Test
    void shouldCountLinesAfterCrLfWhenReportingErrors() throws IOException {
        Path file = write("crlf.csv", "a,b,y\r\n1,2,x\r\n1,oops,z\r\n");
        assertInvalid(file, label("y"), "line 3, column 'b'", "'oops'");
    }

    @Test
    void shouldNameColumnIndexWhenThereIsNoHeader() throws IOException {
        Path file = write("nohdr.csv", "1,2,x\n3,?,y\n");
        assertInvalid(file, label("2"), "line 2, column index 1", "'?' is not a number");
    }

    @Test
    void shouldReportMissingLabelWhenLabelCellIsEmpty() throws IOException {
        Path file = write("data.csv", "gpa,admit\n1,yes\n2,no\n3,yes\n4,no\n5,yes\n6,\n");
        assertInvalid(file, label("admit"), "data.csv line 7: missing label in column 'admit'");
    }

    @Test
    void shouldReportMissingValueWhenFeatureCellIsEmpty() throws IOException {
        Path file = write("gap.csv", "a,b,y\n1,,x\n");
        assertInvalid(file, label("y"), "line 2, column 'b': missing value");
    }

    @Test
    void shouldRejectUnknownLabelWhenClassNamesAreGiven() throws IOException {
        Path file = write("data.csv", "f,label\n" + "1,yes\n".repeat(7) + "2,maybe\n");
        assertInvalid(file, label("label").withClassNames(List.of("no", "yes")),
                "data.csv line 9: label 'maybe' is not one of the model's classes [no, yes]");
    }

    @Test
    void shouldReportColumnCountWhenARowIsShort() throws IOException {
        Path file = write("data.csv", "a,b,c,y\n1,2,3,x\n4,5,6,z\n7,8,x\n");
        assertInvalid(file, label("y"), "data.csv line 4: 3 columns, expected 4");
    }

    @Test
    void shouldReportNoSuchFileWhenFileIsMissing() {
        assertInvalid(dir.resolve("data.csv"), CsvOptions.defaults(), "data.csv: no such file");
    }

    @Test
    void shouldReportEmptyWhenFileHasNoRows() throws IOException {
        assertInvalid(write("data.csv", ""), CsvOptions.defaults(), "data.csv: empty (no data rows)");
        assertInvalid(write("blank.csv", "\n\n"), CsvOptions.defaults(), "blank.csv: empty (no data rows)");
    }

    @Test
    void shouldReportEmptyWhenFileHasOnlyAHeader() throws IOException {
        assertInvalid(write("data.csv", "a,b,y\n"), label("y"), "data.csv: empty (no data rows)");
    }

    @Test
    void shouldListHeaderWhenLabelColumnIsNotFound() throws IOException {
        Path file = write("data.csv", "a,b,c\n1,2,x\n");
        assertInvalid(file, label("foo"), "data.csv: label column 'foo' not found in header [a, b, c]");
    }

    @Test
    void shouldRejectLabelNameWhenFileHasNoHeader() throws IOException {
        Path file = write("nohdr.csv", "1,2,3\n4,5,6\n");
        assertInvalid(file, label("y"), "label column 'y'", "no header row");
    }

    @Test
    void shouldReportOutOfRangeWhenLabelIndexExceedsColumns() throws IOException {
        Path file = write("idx.csv", "a,b,c\n1,2,x\n");
        assertInvalid(file, label("3"), "label column index 3 is out of range", "3 columns");
        assertInvalid(file, label("99999999999999999999"), "out of range");
    }

    @Test
    void shouldRejectSingleClassWhenClassifying() throws IOException {
        Path file = write("one.csv", "f,y\n1,a\n2,a\n");
        assertInvalid(file, label("y"), "column 'y'", "at least 2 classes");
    }

    @Test
    void shouldRejectNonFiniteValuesWhenReadingFeatures() throws IOException {
        assertInvalid(write("nan.csv", "a,y\n1,p\nNaN,q\n"), label("y"), "line 3, column 'a'", "'NaN'", "finite");
        assertInvalid(write("inf.csv", "a,y\n-Infinity,p\n1,q\n"), label("y"), "line 2, column 'a'", "'-Infinity'");
        assertInvalid(write("big.csv", "a,y\n1e999,p\n1,q\n"), label("y"), "line 2, column 'a'", "'1e999'");
    }

    @Test
    void shouldRejectNonNumericTargetWhenRegression() throws IOException {
        Path file = write("reg.csv", "a,price\n1,10\n2,cheap\n");
        assertInvalid(file, CsvOptions.builder().labelColumn("price").regression(true).build(),
                "line 3, column 'price': label 'cheap' is not a number");
    }

    @Test
    void shouldRejectFileWhenOnlyTheLabelColumnExists() throws IOException {
        assertInvalid(write("solo.csv", "y\na\nb\n"), label("y"), "no feature columns");
    }

    @Test
    void shouldReportLineWhenCsvIsMalformed() throws IOException {
        Path file = write("bad.csv", "a,y\n1,p\n2,\"q\n");
        assertInvalid(file, label("y"), "bad.csv line 3", "malformed CSV");
    }

    @Test
    void shouldKeepMessageOnOneLineWhenCellContainsNewline() throws IOException {
        Path file = write("nl.csv", "a,y\n\"1\n2\",p\n");
        assertInvalid(file, label("y"), "line 3, column 'a'", "'1\\n2' is not a number");
    }

    @Test
    void shouldRejectInvalidUtf8WhenReading() throws IOException {
        Path file = dir.resolve("latin.csv");
        Files.write(file, new byte[] {'a', ',', 'y', '\n', '1', ',', (byte) 0xE9, '\n'});
        assertInvalid(file, label("y"), "latin.csv", "UTF-8");
    }
}
