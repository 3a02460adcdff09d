package dev.weft.hostapi;

import java.util.List;

/**
 * The host functions Weft adds to Lunatic's ({@code weft::*}), as {@code weft-abi.json} describes
 * them (the same format as {@link LunaticAbi}'s, and generated into Java the same way); documented
 * in {@code host-api/WEFT-ABI.md}.
 */
public final class WeftAbi {

    private WeftAbi() {}

    /** Every {@code weft::*} function, in the order of the JSON. */
    public static List<LunaticAbi.Function> functions() {
        return WeftAbiTable.FUNCTIONS;
    }
}
