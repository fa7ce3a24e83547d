package io.averon.driver.cli;

import picocli.CommandLine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Case-insensitive enum option values, listing the valid ones in lower case on error; registered
 * once for every enum type an option of the command line takes ({@link #registerAll}).
 */
final class EnumConverter<E extends Enum<E>> implements CommandLine.ITypeConverter<E> {

    private final Class<E> type;

    EnumConverter(Class<E> type) {
        this.type = type;
    }

    /** Registers a converter with {@code cli} for each enum type one of its commands' options takes. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void registerAll(CommandLine cli) {
        java.util.Set<Class<?>> types = cli.getSubcommands().values().stream()
                .flatMap(command -> command.getCommandSpec().options().stream())
                .map(CommandLine.Model.OptionSpec::type).filter(Class::isEnum)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        for (Class type : types) {
            cli.registerConverter(type, new EnumConverter(type));
        }
    }

    @Override
    public E convert(String value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.strip())) {
                return constant;
            }
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not one of "
                + Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")));
    }
}
