package io.averon.driver.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Options given as Spark configuration ({@code --conf spark.averon.NAME=VALUE}: system properties in the driver). */
@Tag("fast")
class SparkConfOptionsTest {

    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        for (String name : new String[] {"bind", "workers", "secret-file"}) {
            System.clearProperty(AveronCli.CONF_PREFIX + name);
        }
    }

    @Test
    void shouldTakeRequiredOptionsFromSparkConfWhenTheCommandLineHasNone() {
        System.setProperty("spark.averon.bind", "127.0.0.1:40123");
        System.setProperty("spark.averon.workers", "2");
        System.setProperty("spark.averon.secret-file", tmp.resolve("from-conf").toString());

        CliRun run = CliRun.of("ps");

        assertEquals(2, run.exitCode(), run.err());
        assertEquals("averon: " + tmp.resolve("from-conf") + ": no such file (--secret-file)", run.errorLine());
    }

    @Test
    void shouldLetTheCommandLineWinOverSparkConf() {
        System.setProperty("spark.averon.bind", "127.0.0.1:40123");
        System.setProperty("spark.averon.workers", "2");
        System.setProperty("spark.averon.secret-file", tmp.resolve("from-conf").toString());

        CliRun run = CliRun.of("ps", "--secret-file", tmp.resolve("from-argv").toString());

        assertEquals(2, run.exitCode(), run.err());
        assertEquals("averon: " + tmp.resolve("from-argv") + ": no such file (--secret-file)", run.errorLine());
    }

    @Test
    void shouldReportABadSparkConfValueLikeABadOption() {
        System.setProperty("spark.averon.bind", "127.0.0.1:40123");
        System.setProperty("spark.averon.workers", "two");
        System.setProperty("spark.averon.secret-file", tmp.resolve("s").toString());

        CliRun run = CliRun.of("ps");

        assertEquals(2, run.exitCode(), run.err());
        assertEquals(true, run.errorLine().startsWith("averon: ") && run.errorLine().contains("'two'"), run.errorLine());
    }
}
