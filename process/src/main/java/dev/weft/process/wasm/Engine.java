package dev.weft.process.wasm;

/** How a loaded module's code is run. */
public enum Engine {
    /**
     * Chicory's runtime compiler: every function is translated to JVM bytecode once, when the
     * module is loaded. Fast (close to plain Java); the default. A function the compiler cannot
     * translate refuses the module rather than silently falling back to the interpreter.
     */
    COMPILER,
    /** Chicory's interpreter: nothing to compile, so loading is quick, but code runs 100x slower. */
    INTERPRETER
}
