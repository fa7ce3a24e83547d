package io.averon.driver.cli;

import io.averon.core.data.DataSpec;
import io.averon.core.settings.Setting;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.training.SparkTrainingConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every setting is declared once ({@link Setting}, beside the value it configures): the commands'
 * option annotations carry no default or description of their own for a setting, the command line
 * shows the declaration's default and doc, and the command line and the Java builders start from
 * the same defaults.
 */
@Tag("fast")
class SettingsDeclaredOnceTest {

    private static final String NO_DEFAULT = "__no_default_value__";

    @Test
    void shouldDeclareNoDefaultOrDescriptionInAnOptionAnnotationForASetting() {
        CommandLine cli = AveronCli.commandLine();
        List<String> declaredTwice = new ArrayList<>();
        int bound = 0;
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (!(sub.getCommandSpec().userObject() instanceof SettingOptions.Bound command)) {
                continue;
            }
            Set<String> settings = command.settings().stream().map(Setting::option).collect(Collectors.toSet());
            for (Field field : fieldsOf(command.getClass())) {
                CommandLine.Option option = field.getAnnotation(CommandLine.Option.class);
                if (option == null || java.util.Arrays.stream(option.names()).noneMatch(settings::contains)) {
                    continue;
                }
                bound++;
                if (!option.defaultValue().equals(NO_DEFAULT) || option.description().length > 0) {
                    declaredTwice.add(sub.getCommandName() + " " + String.join("/", option.names()));
                }
            }
        }
        assertTrue(bound > 40, "the settings' options were found: " + bound);
        assertEquals(List.of(), declaredTwice, "options that declare a setting's default or doc again");
    }

    @Test
    void shouldBindEveryDeclaredSettingToAnOptionOfItsCommand() {
        CommandLine cli = AveronCli.commandLine();
        TreeSet<String> unbound = new TreeSet<>();
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub.getCommandSpec().userObject() instanceof SettingOptions.Bound command) {
                for (Setting<?> setting : command.settings()) {
                    if (sub.getCommandSpec().findOption(setting.option()) == null) {
                        unbound.add(sub.getCommandName() + " " + setting.option());
                    }
                }
            }
        }
        assertEquals(new TreeSet<String>(), unbound, "settings listed by a command that has no such option");
    }

    @Test
    void shouldShowEachSettingsDocAndDefaultInTheHelp() {
        StringWriter help = new StringWriter();
        CommandLine train = AveronCli.commandLine().getSubcommands().get("train");
        train.usage(new PrintWriter(help));
        String text = help.toString().replaceAll("\\s+", " ");
        assertTrue(text.contains("--epochs=<epochs> Passes over the training data. Default: 5"), text);
        assertTrue(text.contains("Default: " + TrainingConfig.BATCH_SIZE.defaultValue()), text);
        assertTrue(text.contains("--[no-]shuffle Reshuffle the training examples every epoch"), text);
        assertTrue(text.contains("--validation-split=FRACTION CSV / image folder: fraction held out as the test "
                + "split. Default: 0.2"), text);
    }

    @Test
    void shouldStartTheCommandLineAndTheJavaBuildersFromTheSameDefaults() {
        CommandLine cli = AveronCli.commandLine();
        CommandLine train = cli.getSubcommands().get("train");
        cli.parseArgs("train");
        TrainCommand parsed = train.getCommand();
        TrainingConfig java = TrainingConfig.builder().build();
        SparkTrainingConfig spark = SparkTrainingConfig.builder(java).build();
        DataSpec data = DataSpec.builder(DataSpec.DATA.defaultValue()).build();
        Map<String, Object[]> pairs = Map.of(
                "epochs", new Object[] {parsed.epochs, java.epochs()},
                "batch-size", new Object[] {parsed.batchSize, java.batchSize()},
                "seed", new Object[] {parsed.seed, java.seed()},
                "shuffle", new Object[] {parsed.shuffle, java.shuffle()},
                "mtu", new Object[] {parsed.mtu, spark.mtuBytes()},
                "hierarchical", new Object[] {parsed.hierarchical, spark.hierarchical()},
                "workers", new Object[] {parsed.workers, spark.workers()},
                "validation-split", new Object[] {parsed.data.validationSplit, data.validationSplit()},
                "channels", new Object[] {parsed.data.source.channels, data.channels()});
        pairs.forEach((name, values) -> assertEquals(values[1], values[0], "--" + name + ": command line vs Java"));
        assertEquals(DataSpec.DATA.defaultValue(), parsed.data.data);
        assertEquals(28, data.imageHeight());
    }

    private static List<Field> fieldsOf(Class<?> type) {
        List<Field> fields = new ArrayList<>();
        for (Field field : type.getDeclaredFields()) {
            fields.add(field);
            if (field.isAnnotationPresent(CommandLine.Mixin.class)) {
                fields.addAll(fieldsOf(field.getType()));
            }
        }
        return fields;
    }
}
