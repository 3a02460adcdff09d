package dev.weft.hostapi.internal;

import static dev.weft.hostapi.internal.GuestMemory.range;

import com.dylibso.chicory.runtime.Instance;
import dev.weft.hostapi.internal.abi.LunaticErrorAbi;
import java.nio.charset.StandardCharsets;

/** {@code lunatic::error}: the messages of the errors other host functions returned by id. */
public final class ErrorFunctions implements LunaticErrorAbi {

    private final GuestProcess process;

    public ErrorFunctions(GuestProcess process) {
        this.process = process;
    }

    @Override
    public int stringSize(long errorId) {
        return utf8(STRING_SIZE, errorId).length;
    }

    @Override
    public void toString(Instance instance, long errorId, int errorStrPtr) {
        byte[] bytes = utf8(TO_STRING, errorId);
        range(instance, TO_STRING, errorStrPtr, bytes.length).write(errorStrPtr, bytes);
    }

    @Override
    public void drop(long errorId) {
        process.errors.remove(DROP, errorId);
    }

    private byte[] utf8(String function, long errorId) {
        return process.errors.get(function, errorId).getBytes(StandardCharsets.UTF_8);
    }
}
