package dev.weft.hostapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The host functions Weft adds to Lunatic's ({@code weft::*}), read from {@code weft-abi.json}
 * (the same format as {@link LunaticAbi}'s); documented in {@code host-api/WEFT-ABI.md}.
 */
public final class WeftAbi {

    private static final String RESOURCE = "weft-abi.json";
    private static final List<LunaticAbi.Function> FUNCTIONS = load();

    private WeftAbi() {}

    /** Every {@code weft::*} function, in the order of the JSON. */
    public static List<LunaticAbi.Function> functions() {
        return FUNCTIONS;
    }

    private static List<LunaticAbi.Function> load() {
        try (InputStream in = WeftAbi.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE + " beside " + WeftAbi.class.getName());
            }
            return LunaticAbi.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
