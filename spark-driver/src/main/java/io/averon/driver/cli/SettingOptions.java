package io.averon.driver.cli;

import io.averon.core.settings.Setting;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Gives a command's options their default and help text from the {@link Setting}s they set, so that
 * each default and description is declared once, beside the value it configures (the option's
 * annotation names the option, its type and its parameter label only). A command lists its settings
 * by implementing {@link Bound}. {@code --conf spark.averon.NAME} still wins over the default
 * ({@link AveronCli#sparkConfDefault}).
 */
final class SettingOptions {

    /** A command whose options set these settings. */
    interface Bound {
        List<Setting<?>> settings();
    }

    private SettingOptions() {
    }

    /** Binds every subcommand of {@code cli} that is {@link Bound}. */
    static void bindAll(CommandLine cli) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub.getCommandSpec().userObject() instanceof Bound bound) {
                bind(sub.getCommandSpec(), bound.settings());
            }
        }
    }

    /** Replaces each option that sets one of {@code settings} with one carrying its default and doc, in place. */
    static void bind(CommandSpec command, List<Setting<?>> settings) {
        Map<String, Setting<?>> byOption = settings.stream()
                .collect(Collectors.toMap(Setting::option, Function.identity()));
        List<OptionSpec> options = new ArrayList<>(command.options());
        options.forEach(command::remove);
        for (OptionSpec option : options) {
            Setting<?> setting = byOption.get(option.longestName());
            command.addOption(setting == null ? option : OptionSpec.builder(option)
                    .description(help(setting)).defaultValue(setting.defaultText()).build());
        }
    }

    /** The help text: the setting's doc, then its default (picocli fills in the value in effect). */
    static String help(Setting<?> setting) {
        String doc = setting.doc().replace("%", "%%");
        return setting.defaultValue() == null ? doc : doc + " Default: ${DEFAULT-VALUE}";
    }
}
