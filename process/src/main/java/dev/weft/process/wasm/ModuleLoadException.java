package dev.weft.process.wasm;

import java.util.Objects;

/**
 * A module was refused: its file could not be read, it is not WebAssembly, it is malformed or
 * invalid, or it uses something Weft cannot run. The message is one sentence that says what is
 * wrong and where (a byte offset, a section, a function), fit to be shown to a user as is; the
 * engine's own exception, when there is one, is the cause.
 *
 * <p>The exception is checked on purpose. A bad module is not a programming error but ordinary
 * bad input, like a missing file for {@link java.io.IOException}: it comes from a user on the
 * command line or from a guest calling {@code lunatic::process::compile_module}, and every caller
 * must decide what to do with it (print one line and exit, return an error id to the guest).
 * A checked exception makes the compiler remind them.
 */
public final class ModuleLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of problem it is; the CLI maps these to distinct exit codes. */
    public enum Kind {
        /** The file could not be read (missing, a directory, no permission, too large). */
        UNREADABLE,
        /** The bytes are not a WebAssembly binary module at all (bad magic number, text format). */
        NOT_WASM,
        /** The binary is broken: truncated, bad lengths, unknown sections, bad encodings. */
        MALFORMED,
        /** Well-formed, but fails validation (type errors, bad indices). */
        INVALID,
        /** A valid module using something Weft or its engine cannot run (a version, a proposal). */
        UNSUPPORTED
    }

    private final Kind kind;

    public ModuleLoadException(Kind kind, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ModuleLoadException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The same problem, with its message prefixed by where the module came from (a file). */
    ModuleLoadException from(String source) {
        ModuleLoadException e = new ModuleLoadException(kind, source + ": " + getMessage(), getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
