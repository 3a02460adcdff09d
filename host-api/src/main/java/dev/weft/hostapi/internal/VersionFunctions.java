package dev.weft.hostapi.internal;

import dev.weft.hostapi.LunaticHost;
import dev.weft.hostapi.internal.abi.LunaticVersionAbi;

/** {@code lunatic::version}: the Lunatic version this host implements. Stateless: one serves every process. */
public final class VersionFunctions implements LunaticVersionAbi {

    public static final VersionFunctions INSTANCE = new VersionFunctions();

    private VersionFunctions() {}

    @Override
    public int major() {
        return LunaticHost.VERSION_MAJOR;
    }

    @Override
    public int minor() {
        return LunaticHost.VERSION_MINOR;
    }

    @Override
    public int patch() {
        return LunaticHost.VERSION_PATCH;
    }
}
