package dev.weft.node.cli;

import dev.weft.process.wasm.Engine;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The one line a bad command line gets, in words a user reads at a glance: picocli's messages
 * reworded where they speak Java ("'x' is not a long") or parser ("Unmatched argument at index 0"),
 * and the converters of the option types that produce them.
 */
final class UsageErrors {

    private UsageErrors() {}

    /**
     * The first argument that stands where a command should but names none ({@code frobnicate} in
     * {@code weft frobnicate}), or null. Weft's own options come before the command and take no
     * values, so the first argument not starting with {@code -} is the command.
     */
    static String unknownCommand(String[] args, Set<String> commands) {
        for (String arg : args) {
            if (!arg.startsWith("-")) {
                return commands.contains(arg) ? null : arg;
            }
        }
        return null;
    }

    /** The line for {@link #unknownCommand}: {@code unknown command 'frobnicate' (commands: run; ...)}. */
    static String unknownCommandLine(String command, Set<String> commands) {
        return "unknown command '" + command + "' (commands: " + String.join(", ", commands) + "; see 'weft --help')";
    }

    /** What went wrong, for {@code weft: WHAT (see 'weft run --help')}. */
    static String describe(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched && unmatched.isUnknownOption()) {
            List<String> unknown = unmatched.getUnmatched();
            List<String> close = unmatched.getSuggestions(); // the closest first
            return "unknown option '" + (unknown.isEmpty() ? "?" : unknown.get(0)) + "'"
                    + (close.isEmpty() ? "" : ", did you mean " + close.get(0) + "?");
        }
        if (e instanceof MissingParameterException missing && !missing.getMissing().isEmpty()) {
            ArgSpec arg = missing.getMissing().get(0);
            if (arg instanceof OptionSpec option) {
                return option.longestName() + " needs a value (" + option.paramLabel() + ")";
            }
            String[] description = arg.description();
            return "missing " + arg.paramLabel() + (description.length == 0 ? ""
                    : ", " + decapitalize(description[0]).replaceAll("\\.$", ""));
        }
        return decapitalize(String.valueOf(e.getMessage()));
    }

    /** Registers the converters whose refusals read as the rest: "'abc' is not a whole number". */
    static void registerConverters(CommandLine cmd) {
        ITypeConverter<Integer> integer = value -> {
            long n = wholeNumber(value);
            if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
                throw new TypeConversionException("'" + value + "' is out of range (at most " + Integer.MAX_VALUE + ")");
            }
            return (int) n;
        };
        cmd.registerConverter(Integer.class, integer);
        cmd.registerConverter(int.class, integer);
        cmd.registerConverter(Long.class, UsageErrors::wholeNumber);
        cmd.registerConverter(long.class, UsageErrors::wholeNumber);
        cmd.registerConverter(Engine.class, UsageErrors::engine);
    }

    private static long wholeNumber(String value) {
        String v = value.strip();
        if (!v.matches("-?[0-9]+")) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException outOfRange) {
            throw new TypeConversionException("'" + value + "' is out of range (at most " + Long.MAX_VALUE + ")");
        }
    }

    private static Engine engine(String value) {
        for (Engine engine : Engine.values()) {
            if (engine.name().equalsIgnoreCase(value.strip())) {
                return engine;
            }
        }
        throw new TypeConversionException("'" + value + "' is not an engine (compiler or interpreter)");
    }

    private static String decapitalize(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }
}
