package io.averon.driver.cli;

import io.averon.core.train.TrainingConfig;
import io.averon.driver.training.SparkTrainingConfig;
import io.averon.ps.round.RoundSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The round and heartbeat timeouts have one default each, which every command and builder uses. */
@Tag("fast")
class TimeoutDefaultsTest {

    @Test
    void shouldUseTheRoundSettingsDefaultsInEveryCommandAndInTheSparkConfiguration() {
        CommandLine cli = AveronCli.commandLine();
        for (String command : new String[]{"train", "ps"}) {
            assertEquals(Long.toString(RoundSettings.DEFAULT_ROUND_TIMEOUT_MS),
                    defaultOf(cli, command, "--round-timeout-ms"), command);
        }
        assertEquals(Long.toString(RoundSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS), defaultOf(cli, "ps", "--heartbeat-timeout-ms"));
        SparkTrainingConfig spark = SparkTrainingConfig.builder(TrainingConfig.builder().build()).build();
        assertEquals(RoundSettings.DEFAULT_ROUND_TIMEOUT_MS, spark.roundTimeoutMs());
        assertEquals(RoundSettings.DEFAULT_HEARTBEAT_TIMEOUT_MS, spark.heartbeatTimeoutMs());
    }

    private static String defaultOf(CommandLine cli, String command, String option) {
        return cli.getSubcommands().get(command).getCommandSpec().findOption(option).defaultValue();
    }
}
