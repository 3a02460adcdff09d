package dev.weft.process.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.MStack;
import com.dylibso.chicory.runtime.StackFrame;
import com.dylibso.chicory.runtime.WasmException;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.weft.process.ExitException;
import dev.weft.process.ExitReason;
import dev.weft.process.ProcessBody;
import dev.weft.process.ProcessContext;
import dev.weft.process.ProcessCounters;
import dev.weft.process.internal.wasm.FuelCounter;
import dev.weft.process.internal.wasm.FuelInstrumenter;
import dev.weft.process.internal.wasm.LimitExceededException;
import dev.weft.process.internal.wasm.LimitedTable;
import dev.weft.process.internal.wasm.PagedMemory;
import dev.weft.process.internal.wasm.StackGuard;
import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Runs an export of a {@link WasmModule} as a process: {@link #builder(WasmModule, String)} gives
 * a {@link ProcessBody} that, on the process's own virtual thread, instantiates the module (without
 * running {@code _start}: call {@code _start} as the export to run a command module), calls the
 * export with the given arguments, and ends the process with an exit reason:
 *
 * <ul>
 *   <li>the export returns: {@code normal};
 *   <li>a trap: {@code error("trap: <message> in <function>")}, the function named from the module's
 *       name section, or {@code func[index]}; a host function that throws a Chicory exception is
 *       a trap in that host function ({@code module::name});
 *   <li>recursion too deep: {@link ExitReason.LimitExceeded} of {@link ExitReason.Limit#STACK_BYTES},
 *       {@code "trap: call stack exhausted in <function> (max stack 1 MiB)"}, naming the process's
 *       stack size (the node's max stack size, see {@link Scheduler}); the JVM survives;
 *   <li>a host function throws {@link ExitException}: the process ends with that exception's reason
 *       (how {@code proc_exit} and the like end a process, with {@link ExitReason#exitCode(int)});
 *   <li>a host function throws another {@code RuntimeException}: {@code error("host function
 *       <module::name> failed: <exception>")};
 *   <li>killed, or any exit signal, while the guest runs (even in a loop that never calls the host):
 *       the signal's reason, e.g. {@code killed}: the runtime interrupts the thread, the engine
 *       unwinds, the interrupt flag is cleared;
 *   <li>the module cannot be instantiated: {@link ExitReason.CannotInstantiate}
 *       ({@code "cannot instantiate: <why>"}, {@code unlinkable} for an unknown import or an import of
 *       the wrong type); a memory or table that starts above the process's limit:
 *       {@link ExitReason.LimitExceeded} ({@code "cannot instantiate: memory of ... exceeds the limit ..."});
 *   <li>the process used up its {@link Builder#maxFuel(long) max fuel}: {@link ExitReason.OutOfFuel}.
 * </ul>
 *
 * <p>Fairness: a guest that computes without calling the host cannot starve other processes, and
 * a kill or exit signal stops it at its next call or loop back-edge. A {@link WasmModule#preemptible()
 * preemptible} module (the {@link ModuleLoader}'s default on Weft's carriers) runs as it was given,
 * and its process gives up its carrier at a safepoint when it has kept it for a slice of time while
 * other processes wait. A process with a {@link Builder#maxFuel(long) max fuel}, and every process
 * of a module that is not preemptible but counts fuel ({@link WasmModule#countsFuel()}), runs the
 * fuel-counting form instead: it is charged for every instruction and gives up its carrier every
 * slice of {@value #FUEL_SLICE} instructions. Counting is exact but dear on call-heavy code, so
 * only processes that ask for a limit pay it.
 *
 * <p>The arguments are checked against the export's signature when the body is built, so a bad
 * spawn fails in the caller with an {@link IllegalArgumentException}, not in the new process.
 */
public final class WasmProcess {

    /** The instructions in one slice of fuel (Lunatic's unit for {@code max_fuel}). */
    public static final long FUEL_SLICE = FuelInstrumenter.SLICE;

    /** The default cap on a process's linear memory: 16384 pages of 64 KiB, 1 GiB. */
    public static final int DEFAULT_MAX_MEMORY_PAGES = 16384;

    /** The default cap on a table's elements: 100,000, Lunatic's. */
    public static final int DEFAULT_MAX_TABLE_ELEMENTS = 100_000;

    private WasmProcess() {}

    /** A builder for a body that runs {@code export} of {@code module}. */
    public static Builder builder(WasmModule module, String export) {
        return new Builder(module, export);
    }

    /** Builds the {@link ProcessBody} of a Wasm process. Not thread-safe; the body it builds is. */
    public static final class Builder {
        private final WasmModule module;
        private final String export;
        private Object[] args = new Object[0];
        private int maxMemoryPages = DEFAULT_MAX_MEMORY_PAGES;
        private long maxFuel;
        private int maxTableElements = DEFAULT_MAX_TABLE_ELEMENTS;
        private java.util.function.BiConsumer<ProcessContext, ExitReason> onFailure;
        private Function<ProcessContext, ImportValues> hostFunctions = ctx -> ImportValues.empty();

        private Builder(WasmModule module, String export) {
            this.module = Objects.requireNonNull(module, "module");
            this.export = Objects.requireNonNull(export, "export");
        }

        /**
         * The export's arguments, one per parameter: an {@link Integer} for an i32, a {@link Long}
         * for an i64, a {@link Float} for an f32, a {@link Double} for an f64.
         */
        public Builder args(Object... args) {
            this.args = Objects.requireNonNull(args, "args").clone();
            return this;
        }

        /** The most 64 KiB pages the process's memory may have (default 16384, 1 GiB). */
        public Builder maxMemoryPages(int pages) {
            if (pages < 0 || pages > 65536) {
                throw new IllegalArgumentException("maxMemoryPages must be within 0..65536: " + pages);
            }
            this.maxMemoryPages = pages;
            return this;
        }

        /**
         * The most fuel the process may use, in slices of {@value FuelInstrumenter#SLICE}
         * instructions (Lunatic's {@code max_fuel}); 0, the default, is unlimited. A process that
         * uses it up ends with {@link ExitReason.OutOfFuel}. Only a
         * module that counts fuel ({@link WasmModule#countsFuel()}) can run out. A process with a
         * limit runs the fuel-counting form of the module, which costs more on call-heavy code.
         */
        public Builder maxFuel(long slices) {
            if (slices < 0) {
                throw new IllegalArgumentException("maxFuel must not be negative: " + slices);
            }
            this.maxFuel = slices;
            return this;
        }

        /**
         * The most elements each of the process's tables may hold (default
         * {@value #DEFAULT_MAX_TABLE_ELEMENTS}): a table that starts larger makes instantiation fail,
         * {@code table.grow} beyond it returns -1.
         */
        public Builder maxTableElements(int elements) {
            if (elements < 0) {
                throw new IllegalArgumentException("maxTableElements must not be negative: " + elements);
            }
            this.maxTableElements = elements;
            return this;
        }

        /**
         * Called on the process's thread when the process is about to end because of its own
         * failure (a trap, a host-function failure, a non-zero exit code), with the reason it will
         * end with; not when a signal (a kill, a failed link) ended it. For crash reports.
         */
        public Builder onFailure(java.util.function.BiConsumer<ProcessContext, ExitReason> onFailure) {
            this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
            return this;
        }

        /**
         * The host functions of each process, made on the process's thread from its context just
         * before it instantiates the module (so they can close over that context).
         */
        public Builder hostFunctions(Function<ProcessContext, ImportValues> hostFunctions) {
            this.hostFunctions = Objects.requireNonNull(hostFunctions, "hostFunctions");
            return this;
        }

        /**
         * The body. @throws IllegalArgumentException if the module has no function export of that
         * name or the arguments do not fit its signature
         */
        public ProcessBody build() {
            FunctionType type = exportType(module, export);
            long[] raw = encode(export, type, args);
            return new Body(module, export, raw, maxMemoryPages, maxFuel, maxTableElements, hostFunctions, onFailure);
        }
    }

    // ------------------------------------------------------------------ checks before spawning

    private static FunctionType exportType(WasmModule module, String export) {
        var chicory = module.chicoryModule();
        var exports = chicory.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.name().equals(export)) {
                if (e.exportType() != ExternalType.FUNCTION) {
                    throw new IllegalArgumentException(
                            "the export '" + export + "' is a " + e.exportType().name().toLowerCase(java.util.Locale.ROOT)
                                    + ", not a function");
                }
                return functionType(module, e.index());
            }
        }
        throw new IllegalArgumentException("the module exports no function '" + export + "'"
                + (module.exportedFunctions().isEmpty() ? "" : "; it exports " + module.exportedFunctions()));
    }

    private static FunctionType functionType(WasmModule module, int funcIdx) {
        var chicory = module.chicoryModule();
        int imported = module.importedFunctionCount();
        if (funcIdx < imported) {
            int seen = 0;
            var imports = chicory.importSection();
            for (int i = 0; i < imports.importCount(); i++) {
                if (imports.getImport(i) instanceof com.dylibso.chicory.wasm.types.FunctionImport f) {
                    if (seen++ == funcIdx) {
                        return chicory.typeSection().getType(f.typeIndex());
                    }
                }
            }
        }
        return chicory.typeSection().getType(chicory.functionSection().getFunctionType(funcIdx - imported));
    }

    private static long[] encode(String export, FunctionType type, Object[] args) {
        List<ValType> params = type.params();
        String sig = export + WasmModule.signature(type);
        if (args.length != params.size()) {
            throw new IllegalArgumentException(
                    sig + " takes " + params.size() + " argument" + (params.size() == 1 ? "" : "s") + ", got "
                            + args.length);
        }
        long[] raw = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            ValType p = params.get(i);
            Object a = args[i];
            String want = WasmModule.typeName(p);
            if (p.equals(ValType.I32) && a instanceof Integer v) {
                raw[i] = v;
            } else if (p.equals(ValType.I64) && a instanceof Long v) {
                raw[i] = v;
            } else if (p.equals(ValType.F32) && a instanceof Float v) {
                raw[i] = Float.floatToRawIntBits(v);
            } else if (p.equals(ValType.F64) && a instanceof Double v) {
                raw[i] = Double.doubleToRawLongBits(v);
            } else {
                String javaType = switch (want) {
                    case "i32" -> "an Integer";
                    case "i64" -> "a Long";
                    case "f32" -> "a Float";
                    case "f64" -> "a Double";
                    default -> "a value the host cannot pass";
                };
                throw new IllegalArgumentException(
                        "argument " + (i + 1) + " of " + sig + " is an " + want + " and needs " + javaType + ", got "
                                + (a == null ? "null" : a.getClass().getSimpleName() + " " + a));
            }
        }
        return raw;
    }

    // ------------------------------------------------------------------ the body

    /** Where a failure happened, as far as the engine lets us see; first writer wins. */
    private static final class Site {
        int function = -1;
        String hostFunction;

        boolean known() {
            return function >= 0 || hostFunction != null;
        }
    }

    /** A RuntimeException thrown by a host function, with the function's name. */
    private static final class HostFunctionException extends RuntimeException {
        final String function;

        HostFunctionException(String function, RuntimeException cause) {
            super("host function " + function + " failed: " + cause, cause, false, false);
            this.function = function;
        }
    }

    /** Chicory's interpreter, noting the innermost function a failure unwinds through. */
    private static final class LocatingInterpreter extends InterpreterMachine {
        private final Site site;

        LocatingInterpreter(Instance instance, Site site) {
            super(instance);
            this.site = site;
        }

        @Override
        protected long[] call(MStack stack, Instance instance, Deque<StackFrame> callStack, int funcId, long[] args,
                FunctionType callType, boolean popResults) {
            int values = stack.size();
            int frames = callStack.size();
            try {
                return super.call(stack, instance, callStack, funcId, args, callType, popResults);
            } catch (RuntimeException | StackOverflowError e) {
                if (!site.known()) {
                    site.function = funcId;
                }
                // The operand stack and call stack are the machine's, shared with the frames below
                // (a host function that called back into the guest, as lunatic::trap::catch does):
                // leave them as this call found them, or a caught trap leaves its values behind and
                // the caller's next instructions read them.
                while (stack.size() > values) {
                    stack.pop();
                }
                while (callStack.size() > frames) {
                    callStack.pop();
                }
                throw e;
            }
        }
    }

    /**
     * A process's fuel: called by its counter every slice. Charges the slice, ends the process when
     * its max fuel is used up, gives up the carrier so that other processes run, and stops the
     * guest if an exit signal (a kill, say) ended the process meanwhile.
     */
    private static final class Fuel implements FuelCounter.Refueler {
        private final ProcessContext ctx;
        private final long max;
        private final StackGuard stack;
        private final ProcessCounters counters;
        /** Slices used, counting the one the counter started with. */
        private long slices = 1;

        Fuel(ProcessContext ctx, long max, StackGuard stack, ProcessCounters counters) {
            this.ctx = ctx;
            this.max = max;
            this.stack = stack;
            this.counters = counters;
        }

        @Override
        public long refuel(long remaining) {
            if (max > 0 && slices >= max) {
                // thrown, not ctx.exit: the process is still alive when its failure is reported,
                // as with a trap or WASI's proc_exit; the body's end() then exits with it
                throw new ExitException(new ExitReason.OutOfFuel(max));
            }
            slices++;
            counters.chargeFuelSlice();
            Scheduler.yieldCarrier();
            if (Thread.currentThread().isInterrupted()) {
                throw new ChicoryInterruptedException("Thread interrupted"); // the signal's reason wins
            }
            ctx.isAlive(ctx.self()); // throws ExitException if a signal ended the process
            stack.afterYield();
            return FuelCounter.refill(remaining);
        }
    }

    private static final class Body implements ProcessBody {
        private final WasmModule module;
        private final String export;
        private final long[] args;
        private final int maxMemoryPages;
        private final long maxFuel;
        private final Function<ProcessContext, ImportValues> hostFunctions;
        private final java.util.function.BiConsumer<ProcessContext, ExitReason> onFailure; // may be null

        private final int maxTableElements;

        Body(WasmModule module, String export, long[] args, int maxMemoryPages, long maxFuel, int maxTableElements,
                Function<ProcessContext, ImportValues> hostFunctions,
                java.util.function.BiConsumer<ProcessContext, ExitReason> onFailure) {
            this.onFailure = onFailure;
            this.maxTableElements = maxTableElements;
            this.module = module;
            this.export = export;
            this.args = args;
            this.maxMemoryPages = maxMemoryPages;
            this.maxFuel = maxFuel;
            this.hostFunctions = hostFunctions;
        }

        @Override
        public void run(ProcessContext ctx) {
            Site site = new Site();
            StackGuard stack = new StackGuard();
            ProcessCounters counters = ctx.counters();
            ImportValues imports;
            try {
                imports = wrap(Objects.requireNonNull(hostFunctions.apply(ctx), "no host functions (null)"), module, site,
                        stack, counters);
            } catch (ExitException e) {
                throw e;
            } catch (RuntimeException e) {
                throw end(ctx, new ExitReason.CannotInstantiate(false, "cannot instantiate: the host functions failed: " + e));
            }
            int maxPages = maxMemoryPages;
            // A fuel limit needs the counting form; without one, a preemptible module runs as given.
            boolean metered = maxFuel > 0 || !module.preemptible();
            Instance.Builder builder;
            try {
                // with a fuel limit: interpreted until the counting form is compiled, not waiting seconds for it
                builder = metered ? module.meteredInstanceBuilderNow(instance -> new LocatingInterpreter(instance, site))
                        : module.instanceBuilder();
            } catch (IllegalStateException e) {
                throw end(ctx, new ExitReason.CannotInstantiate(false, "cannot instantiate: " + e.getMessage()));
            }
            builder.withStart(false)
                    .withImportValues(imports)
                    .withMemoryFactory(limits -> new PagedMemory(limits, maxPages, module.segmentData()))
                    .withTableFactory((table, initialRef) -> new LimitedTable(table, initialRef, maxTableElements));
            if (metered && module.countsFuel()) {
                builder.withGlobalFactory(module.fuelGlobals(new Fuel(ctx, maxFuel, stack, counters)));
            }
            if (module.engine() == Engine.INTERPRETER) {
                builder.withMachineFactory(instance -> new LocatingInterpreter(instance, site));
            }
            Instance instance;
            try {
                instance = builder.build();
            } catch (LimitExceededException e) {
                throw end(ctx, new ExitReason.LimitExceeded(e.limit(), e.max(), "cannot instantiate: " + e.getMessage()));
            } catch (UnlinkableException | UninstantiableException e) {
                throw end(ctx, new ExitReason.CannotInstantiate(e instanceof UnlinkableException,
                        "cannot instantiate: " + explain(e, imports)));
            } catch (Throwable t) {
                throw end(ctx, failed(ctx, outcome(t, site))); // a trap in the module's start function
            }
            try {
                instance.export(export).apply(args);
            } catch (Throwable t) {
                throw end(ctx, failed(ctx, outcome(t, site)));
            }
        }

        /**
         * Tells {@link Builder#onFailure} about a failure of the process's own, if the process is
         * still alive (a signal did not end it first); returns the reason.
         */
        private ExitReason failed(ProcessContext ctx, ExitReason reason) {
            if (onFailure == null || reason == null || reason.isNormal()) {
                return reason;
            }
            boolean alive;
            try {
                alive = ctx.isAlive(ctx.self());
            } catch (ExitException dead) {
                alive = false;
            }
            if (alive) {
                try {
                    onFailure.accept(ctx, reason);
                } catch (RuntimeException ignored) {
                    // a broken reporter must not change how the process ends
                }
            }
            return reason;
        }

        /** Ends the process; if a signal already ended it, with the signal's reason. */
        private static ExitException end(ProcessContext ctx, ExitReason reason) {
            Thread.interrupted(); // a kill interrupts the thread; the engine leaves the flag set
            if (reason == null) {
                throw ctx.exit(ExitReason.error("interrupted while running Wasm code"));
            }
            throw ctx.exit(reason);
        }

        /** The exit reason for a failure; null for an interruption (the signal's reason wins). */
        private ExitReason outcome(Throwable t, Site site) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof ExitException exit) {
                    return exit.reason();
                }
                if (c instanceof HostFunctionException host) {
                    return new ExitReason.Error(host.getMessage(), host.getCause());
                }
                if (c instanceof ChicoryInterruptedException) {
                    return null;
                }
                if (c == c.getCause()) {
                    break;
                }
            }
            if (t instanceof StackOverflowError
                    || (t instanceof ChicoryException && t.getCause() instanceof StackOverflowError)) {
                OptionalLong stack = Scheduler.currentStackSize();
                return new ExitReason.LimitExceeded(ExitReason.Limit.STACK_BYTES, stack.orElse(0),
                        "trap: call stack exhausted" + where(t, site) + " " + stackLimit(stack));
            }
            if (t instanceof WasmException w) {
                return new ExitReason.Error("trap: uncaught Wasm exception (tag " + w.tagIdx() + ")" + where(t, site), t);
            }
            if (t instanceof ChicoryException) {
                String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
                // a host function's trap already starts with its name: say it once
                String where = site.hostFunction != null && message.startsWith(site.hostFunction + ":")
                        ? "" : where(t, site);
                return new ExitReason.Error("trap: " + message + where, t);
            }
            if (t instanceof ArithmeticException || t instanceof IndexOutOfBoundsException) {
                return new ExitReason.Error("trap: " + t + where(t, site), t);
            }
            return ExitReason.error(t);
        }

        /**
         * The limit a process that recursed too deep ran into: its stack size, "(max stack 1 MiB)",
         * or, on the JDK's default scheduler (no size known), the JVM's thread stack size.
         */
        private static String stackLimit(OptionalLong bytes) {
            return bytes.isPresent() ? "(max stack " + sizeName(bytes.getAsLong()) + ")" : "(max stack: the JVM's -Xss)";
        }

        /** 1 MiB, 256 KiB, 1 GiB, 100000 bytes. */
        private static String sizeName(long bytes) {
            if (bytes % (1L << 30) == 0) {
                return (bytes >> 30) + " GiB";
            }
            if (bytes % (1L << 20) == 0) {
                return (bytes >> 20) + " MiB";
            }
            if (bytes % (1L << 10) == 0) {
                return (bytes >> 10) + " KiB";
            }
            return bytes + " bytes";
        }

        private String where(Throwable t, Site site) {
            if (site.hostFunction != null) {
                return " in " + site.hostFunction;
            }
            int function = site.function >= 0 ? site.function : compiledFunction(t);
            return function < 0 ? "" : " in " + functionName(function);
        }

        /** The innermost compiled Wasm function on the failure's stack: Chicory's compiler names them func_N. */
        private static int compiledFunction(Throwable failure) {
            // "call stack exhausted" is raised far from the overflow: the deep frames are its cause's
            for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                int function = compiledFunctionOn(t);
                if (function >= 0) {
                    return function;
                }
            }
            return -1;
        }

        private static int compiledFunctionOn(Throwable t) {
            for (StackTraceElement e : t.getStackTrace()) {
                String m = e.getMethodName();
                if (m.startsWith("func_") && m.length() > 5 && e.getClassName().startsWith("com.dylibso.chicory.")) {
                    try {
                        return Integer.parseInt(m, 5, m.length(), 10);
                    } catch (NumberFormatException notOurs) {
                        // keep looking
                    }
                }
            }
            return -1;
        }

        private String functionName(int index) {
            if (index < module.importedFunctionCount()) {
                int seen = 0;
                for (WasmModule.Import imp : module.imports()) {
                    if (imp.type().startsWith("func") && seen++ == index) {
                        return imp.module() + "::" + imp.name();
                    }
                }
            }
            return module.functionName(index).orElse("func[" + index + "]");
        }

        /**
         * Wraps every host function the module imports so that its failures name it, and leaves out
         * the ones it does not import (a host offers some 150 functions, a guest imports a few: the
         * unused ones would only cost instantiation time, which is spawn time).
         */
        private static ImportValues wrap(ImportValues values, WasmModule module, Site site, StackGuard stack,
                ProcessCounters counters) {
            ImportFunction[] functions = values.functions();
            List<ImportFunction> wrapped = new ArrayList<>(Math.min(functions.length, module.importedFunctionCount()));
            for (ImportFunction f : functions) {
                if (f.sourceInstance() != null) {
                    wrapped.add(f); // another instance's export: not host code
                    continue;
                }
                if (!module.importsFunction(f.module(), f.name())) {
                    continue;
                }
                String importModule = f.module();
                String function = f.name();
                WasmFunctionHandle handle = f.handle();
                // the type lists as they are (functionType() would build a FunctionType per call)
                wrapped.add(new ImportFunction(importModule, function, f.paramTypes(), f.returnTypes(), (instance, args) -> {
                    int callerFunction = site.function;
                    String hostFunction = site.hostFunction;
                    try {
                        long[] result = handle.apply(instance, args);
                        // a failure inside that the host function handled (lunatic::trap::catch calls
                        // back into the guest and catches its traps) is not where the process fails
                        site.function = callerFunction;
                        site.hostFunction = hostFunction;
                        stack.afterHostCall(counters.parks()); // it may have parked, leaving frames in the heap
                        return result;
                    } catch (ExitException | HostFunctionException | WasmException e) {
                        throw e;
                    } catch (ChicoryException e) {
                        if (!site.known() && raisedHere(e)) {
                            site.hostFunction = importModule + "::" + function; // the host function trapped
                        }
                        throw e;
                    } catch (RuntimeException e) {
                        throw new HostFunctionException(importModule + "::" + function, e);
                    }
                }));
            }
            return ImportValues.builder()
                    .withFunctions(wrapped)
                    .withGlobals(List.of(values.globals()))
                    .withMemories(List.of(values.memories()))
                    .withTables(List.of(values.tables()))
                    .withTags(List.of(values.tags()))
                    .build();
        }

        /** True unless a compiled Wasm function (called back from the host) raised it. */
        private static boolean raisedHere(Throwable t) {
            for (StackTraceElement e : t.getStackTrace()) {
                if (e.getClassName().equals(WasmProcess.Body.class.getName())) {
                    return true;
                }
                if (e.getMethodName().startsWith("func_") && e.getClassName().startsWith("com.dylibso.chicory.")) {
                    return false;
                }
            }
            return true;
        }

        /** Why instantiation failed, in Weft's words where we can tell. */
        private String explain(ChicoryException e, ImportValues imports) {
            if (!(e instanceof UnlinkableException)) {
                return e.getMessage();
            }
            Map<String, ImportFunction> provided = new HashMap<>();
            for (ImportFunction f : imports.functions()) {
                provided.put(f.module() + "::" + f.name(), f);
            }
            for (WasmModule.Import imp : module.imports()) {
                if (!imp.type().startsWith("func")) {
                    continue;
                }
                ImportFunction f = provided.get(imp.module() + "::" + imp.name());
                String wanted = "(" + imp.type() + ")";
                if (f == null) {
                    return "unknown import " + imp.module() + "::" + imp.name() + " " + wanted;
                }
                String given = "(func" + WasmModule.signature(f.functionType()) + ")";
                if (!given.equals(wanted)) {
                    return "import " + imp.module() + "::" + imp.name() + " " + wanted
                            + " is provided with another type " + given;
                }
            }
            return e.getMessage();
        }
    }
}
