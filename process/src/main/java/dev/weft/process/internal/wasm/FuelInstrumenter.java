package dev.weft.process.internal.wasm;

import java.util.Arrays;

/**
 * Rewrites a Wasm binary so that it counts the work it does: fuel, in Lunatic's unit (one slice is
 * {@value #SLICE} instructions).
 *
 * <p>The rewrite adds one defined, mutable i64 global, the <em>fuel counter</em>, after every
 * other global (so no existing global index moves; it is neither imported nor exported, so the
 * guest never sees it), initialised to one slice. It is charged at
 *
 * <ul>
 *   <li>the entry of every function that may be entered again before it returns (a cycle of the
 *       call graph, where call_indirect, call_ref and calls to imports may reach every function
 *       that is exported, in a table or named by ref.func): {@code global.get $fuel; i64.const
 *       cost; i64.sub; global.set $fuel}. Other functions run a finite amount of code between
 *       their loops, so they need no charge at their entry;
 *   <li>the head of every {@code loop} (its first instructions, so every back-edge pays). In a
 *       function whose parameter count is known, a new i64 local is the loops' budget:
 *       {@code if ((budget -= cost) <= 0) { $fuel -= 1000; budget += 1000; }}, and what is left is
 *       given back ({@code $fuel += budget}) before {@code return}, tail calls and the function's
 *       final {@code end}; the global (dear in Chicory's compiled code) is touched once per 1000
 *       units of loop work. (Leaving through a branch to the function's label or an exception
 *       keeps the rest of the budget: over-charged by under 1000.)
 * </ul>
 *
 * <p>{@code cost} is the number of instructions from the site up to the next branch point (a
 * {@code br}, {@code br_if}, {@code br_table}, {@code return}, tail call, {@code throw},
 * {@code unreachable}, {@code else}, a nested {@code loop}, or the {@code end} that closes the
 * site's own block), at least 1. Calls and {@code block}/{@code if} are not branch points.
 *
 * <p>There is no new import and no call in the guest: the host notices an empty counter in the
 * counter's {@code GlobalInstance.setValue} (see {@link FuelCounter}), which both of Chicory's
 * engines call for every i64 {@code global.set}. So no function index moves, and the element,
 * export, start and name sections stay as they are. A module instantiated without Weft's global
 * factory still runs (the counter merely goes negative).
 *
 * <p>Code or exports that name a global index at or beyond the counter's (invalid in the original
 * module) are refused, so a guest can never reach its own counter.
 *
 * <p>The decoder knows the immediates of every instruction of Wasm 2.0 plus the exception-handling,
 * tail-call, typed function reference, threads, SIMD and relaxed-SIMD proposals. Anything it
 * cannot decode is refused with {@link Refused}; the caller then asks the real parser why.
 */
public final class FuelInstrumenter {

    /** Lunatic's unit of fuel: one slice is this many instructions. */
    public static final long SLICE = 100_000;

    /** What a loop's local budget borrows from the counter at a time. */
    static final int BORROW = 1000;

    /** The rewritten module and where its counter is. */
    public record Result(byte[] bytes, int fuelGlobal, int sites, int definedGlobals) {}

    /** The input could not be rewritten (malformed, or an instruction this decoder does not know). */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private static final int GLOBAL_SECTION = 6;
    /** Where a section goes in the spec's order; the tag section (13) sits before the global one. */
    private static final int[] RANK = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};

    private FuelInstrumenter() {}

    /** Rewrites {@code wasm} (not modified) to count fuel. */
    public static Result instrument(byte[] wasm) throws Refused {
        try {
            return new FuelInstrumenter.Run(wasm).run();
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new Refused("truncated input");
        }
    }

    // ------------------------------------------------------------------ one rewrite

    private static final class Run {
        final byte[] in;
        int importedFunctions;
        /** Parameter count of each type; -1 for a type that is not a plain function type. */
        int[] typeParams = new int[0];
        /** Type index of each defined function. */
        int[] functionTypes = new int[0];
        /** Functions the host or an indirect call may enter: exported, in a table, named by ref.func. */
        final java.util.BitSet addressTaken = new java.util.BitSet();
        int importedGlobals;
        int definedGlobals;
        int fuelGlobal;
        int sites;

        Run(byte[] in) {
            this.in = in;
        }

        Result run() throws Refused {
            if (in.length < 8 || in[0] != 0 || in[1] != 'a' || in[2] != 's' || in[3] != 'm'
                    || in[4] != 1 || in[5] != 0 || in[6] != 0 || in[7] != 0) {
                throw new Refused("not a Wasm 1.0 binary");
            }
            // pass 1: section bounds, globals counted
            int[][] sections = sections();
            for (int[] s : sections) {
                if (s[0] == 2) {
                    importedGlobals = countImportedGlobals(s[1], s[2]);
                } else if (s[0] == 1) {
                    types(s[1], s[2]);
                } else if (s[0] == 3) {
                    Reader r = new Reader(in, s[1], s[2]);
                    int n = r.u32();
                    if (n < 0 || n > s[2] - s[1]) {
                        throw new Refused("function section too long");
                    }
                    functionTypes = new int[n];
                    for (int i = 0; i < n; i++) {
                        functionTypes[i] = r.u32();
                    }
                } else if (s[0] == 8) {
                    addressTaken.set(new Reader(in, s[1], s[2]).u32() & Integer.MAX_VALUE);
                } else if (s[0] == GLOBAL_SECTION) {
                    Reader r = new Reader(in, s[1], s[2]);
                    definedGlobals = r.u32();
                }
            }
            fuelGlobal = importedGlobals + definedGlobals;
            // pass 2: write
            Out out = new Out(in.length + in.length / 8 + 64);
            out.bytes(in, 0, 8);
            boolean globalsWritten = false;
            for (int[] s : sections) {
                int id = s[0];
                if (!globalsWritten && id != 0 && RANK[id] > RANK[GLOBAL_SECTION]) {
                    writeSection(out, GLOBAL_SECTION, globals(-1, -1));
                    globalsWritten = true;
                }
                switch (id) {
                    case GLOBAL_SECTION -> {
                        writeSection(out, id, globals(s[1], s[2]));
                        globalsWritten = true;
                    }
                    case 10 -> writeSection(out, id, code(s[1], s[2]));
                    case 4 -> { checkTables(s[1], s[2]); copy(out, s); }
                    case 7 -> { checkExports(s[1], s[2]); copy(out, s); }
                    case 9 -> { checkElements(s[1], s[2]); copy(out, s); }
                    case 11 -> { checkData(s[1], s[2]); copy(out, s); }
                    default -> copy(out, s);
                }
            }
            if (!globalsWritten) {
                writeSection(out, GLOBAL_SECTION, globals(-1, -1));
            }
            return new Result(out.toByteArray(), fuelGlobal, sites, definedGlobals + 1);
        }

        /** {id, contentStart, contentEnd, headerStart} of every section, in file order. */
        int[][] sections() throws Refused {
            int[][] list = new int[16][];
            int n = 0;
            Reader r = new Reader(in, 8, in.length);
            while (r.pos < in.length) {
                int start = r.pos;
                int id = r.u8();
                if (id >= RANK.length) {
                    throw new Refused("unknown section id " + id);
                }
                int size = r.u32();
                int end = r.pos + size;
                if (size < 0 || end > in.length || end < r.pos) {
                    throw new Refused("section " + id + " overruns the input");
                }
                if (n == list.length) {
                    list = Arrays.copyOf(list, n * 2);
                }
                list[n++] = new int[] {id, r.pos, end, start};
                r.pos = end;
            }
            return Arrays.copyOf(list, n);
        }

        void copy(Out out, int[] s) {
            out.bytes(in, s[3], s[2] - s[3]);
        }

        static void writeSection(Out out, int id, byte[] contents) {
            out.u8(id);
            out.u32(contents.length);
            out.bytes(contents, 0, contents.length);
        }

        int countImportedGlobals(int from, int to) throws Refused {
            Reader r = new Reader(in, from, to);
            int count = r.u32();
            int globals = 0;
            for (int i = 0; i < count; i++) {
                r.name();
                r.name();
                int kind = r.u8();
                switch (kind) {
                    case 0 -> { r.u32(); importedFunctions++; } // func: type index
                    case 1 -> { r.valType(); r.limits(); } // table: reftype, limits
                    case 2 -> r.limits(); // memory
                    case 3 -> { r.valType(); r.u8(); globals++; } // global: type, mutability
                    case 4 -> { r.u8(); r.u32(); } // tag: attribute, type index
                    default -> throw new Refused("unknown import kind " + kind);
                }
            }
            return globals;
        }

        void types(int from, int to) throws Refused {
            Reader r = new Reader(in, from, to);
            int n = r.u32();
            if (n < 0 || n > to - from) {
                throw new Refused("type section too long");
            }
            typeParams = new int[n];
            Arrays.fill(typeParams, -1);
            for (int i = 0; i < n; i++) {
                if (r.u8() != 0x60) {
                    return; // GC types (rec groups, structs, ...): no locals budget then
                }
                int params = r.u32();
                for (int j = 0; j < params; j++) {
                    r.valType();
                }
                typeParams[i] = params;
                int results = r.u32();
                for (int j = 0; j < results; j++) {
                    r.valType();
                }
            }
        }

        /** The global section's contents with the counter appended (from &lt; 0: there was none). */
        byte[] globals(int from, int to) throws Refused {
            Out out = new Out(to - from + 16);
            out.u32(definedGlobals + 1);
            if (from >= 0) {
                Reader r = new Reader(in, from, to);
                int count = r.u32();
                int start = r.pos;
                for (int i = 0; i < count; i++) {
                    r.valType();
                    r.u8();
                    constExpr(r);
                }
                out.bytes(in, start, r.pos - start);
                if (r.pos != to) {
                    throw new Refused("global section: " + (to - r.pos) + " bytes left over");
                }
            }
            out.u8(0x7E); // i64
            out.u8(0x01); // mutable
            out.u8(0x42); // i64.const SLICE
            out.s64(SLICE);
            out.u8(0x0B);
            return out.toByteArray();
        }

        void checkTables(int from, int to) throws Refused {
            Reader r = new Reader(in, from, to);
            int count = r.u32();
            for (int i = 0; i < count; i++) {
                if ((in[r.pos] & 0xff) == 0x40) { // table with an initialiser
                    r.u8();
                    r.u8();
                    r.valType();
                    r.limits();
                    constExpr(r);
                } else {
                    r.valType();
                    r.limits();
                }
            }
        }

        void checkExports(int from, int to) throws Refused {
            Reader r = new Reader(in, from, to);
            int count = r.u32();
            for (int i = 0; i < count; i++) {
                r.name();
                int kind = r.u8();
                int index = r.u32();
                if (kind == 0 && index >= 0) {
                    addressTaken.set(index);
                }
                if (kind == 3 && (index < 0 || index >= fuelGlobal)) {
                    throw new Refused("export of unknown global " + Integer.toUnsignedString(index));
                }
            }
        }

        void checkElements(int from, int to) throws Refused {
            Reader r = new Reader(in, from, to);
            int count = r.u32();
            for (int i = 0; i < count; i++) {
                int flags = r.u32();
                if (flags < 0 || flags > 7) {
                    throw new Refused("element segment with flags " + flags);
                }
                if ((flags & 1) == 0) { // active
                    if ((flags & 2) != 0) {
                        r.u32(); // table index
                    }
                    constExpr(r);
                }
                boolean exprs = (flags & 4) != 0;
                if ((flags & 3) != 0) { // elemkind or reftype
                    if (exprs) {
                        r.valType();
                    } else {
                        r.u8();
                    }
                }
                int n = r.u32();
                for (int j = 0; j < n; j++) {
                    if (exprs) {
                        constExpr(r);
                    } else {
                        addressTaken.set(r.u32() & Integer.MAX_VALUE);
                    }
                }
            }
        }

        void checkData(int from, int to) throws Refused {
            Reader r = new Reader(in, from, to);
            int count = r.u32();
            for (int i = 0; i < count; i++) {
                int flags = r.u32();
                if (flags == 2) {
                    r.u32();
                }
                if (flags == 0 || flags == 2) {
                    constExpr(r);
                } else if (flags != 1) {
                    throw new Refused("data segment with flags " + flags);
                }
                int n = r.u32();
                r.skip(n);
            }
        }

        /** Skips a constant expression (up to and including its final end), checking its globals. */
        void constExpr(Reader r) throws Refused {
            int depth = 0;
            while (true) {
                int op = r.u8();
                if (op == 0x0B) {
                    if (depth == 0) {
                        return;
                    }
                    depth--;
                    continue;
                }
                if (op == 0x02 || op == 0x03 || op == 0x04 || op == 0x06 || op == 0x1F) {
                    depth++;
                }
                immediates(r, op);
            }
        }

        // -------------------------------------------------------------- code

        /** One decoded function body. */
        static final class Body {
            int start; // the locals vector
            int codeStart;
            int end;
            int[] starts;
            int[] ops;
            int n;
            boolean loops;
            int[] callees = new int[4];
            int calls;
            boolean indirect; // call_indirect, call_ref or a call to an import (which may call back)
            long locals; // declared locals
            int groups;
        }

        byte[] code(int from, int to) throws Refused {
            Reader r = new Reader(in, from, to);
            int count = r.u32();
            if (count < 0 || count > to - from) {
                throw new Refused("code section too long");
            }
            Body[] bodies = new Body[count];
            for (int f = 0; f < count; f++) {
                int size = r.u32();
                int end = r.pos + size;
                if (size < 0 || end > to) {
                    throw new Refused("function body " + f + " overruns the code section");
                }
                bodies[f] = decode(new Reader(in, r.pos, end));
                r.pos = end;
            }
            if (r.pos != to) {
                throw new Refused("code section: " + (to - r.pos) + " bytes left over");
            }
            boolean[] charged = recursive(bodies);
            Out out = new Out((to - from) + (to - from) / 4 + 16);
            out.u32(count);
            Out body = new Out(256);
            for (int f = 0; f < count; f++) {
                body.reset();
                int params = f < functionTypes.length && functionTypes[f] >= 0 && functionTypes[f] < typeParams.length
                        ? typeParams[functionTypes[f]] : -1;
                write(bodies[f], charged[f], params, body);
                out.u32(body.size());
                out.bytes(body.buf, 0, body.size());
            }
            return out.toByteArray();
        }

        /** Decodes a body: its locals, and where each instruction starts and its opcode. */
        Body decode(Reader r) throws Refused {
            Body b = new Body();
            b.start = r.pos;
            b.end = r.end;
            b.groups = r.u32();
            for (int i = 0; i < b.groups; i++) {
                b.locals += r.u32() & 0xffff_ffffL;
                r.valType();
            }
            b.codeStart = r.pos;
            int[] starts = new int[Math.max(16, (r.end - r.pos) / 2)];
            int[] ops = new int[starts.length];
            int n = 0;
            int depth = 0;
            while (true) {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                    ops = Arrays.copyOf(ops, n * 2);
                }
                starts[n] = r.pos;
                int op = r.u8();
                ops[n++] = op;
                if (op == 0x0B) {
                    if (depth == 0) {
                        break;
                    }
                    depth--;
                } else if (op == 0x02 || op == 0x03 || op == 0x04 || op == 0x06 || op == 0x1F) {
                    depth++;
                    b.loops |= op == 0x03;
                } else if (op == 0x10 || op == 0x12) {
                    int save = r.pos;
                    int callee = r.u32();
                    r.pos = save;
                    if (callee < importedFunctions) {
                        b.indirect = true;
                    } else {
                        if (b.calls == b.callees.length) {
                            b.callees = Arrays.copyOf(b.callees, b.calls * 2);
                        }
                        b.callees[b.calls++] = callee - importedFunctions;
                    }
                } else if (op == 0x11 || op == 0x13 || op == 0x14 || op == 0x15) {
                    b.indirect = true;
                }
                immediates(r, op);
            }
            if (r.pos != r.end) {
                throw new Refused("function body: " + (r.end - r.pos) + " bytes after its end");
            }
            b.starts = starts;
            b.ops = ops;
            b.n = n;
            return b;
        }

        /**
         * Which functions may be entered again before they return (recursion, direct or through
         * tables and host callbacks): only they need a charge at their entry, since every other
         * run of code without a loop is finite. Tarjan's strongly connected components, iterative;
         * node {@code count} stands for every indirect call and host callback.
         */
        boolean[] recursive(Body[] bodies) {
            int count = bodies.length;
            int nodes = count + 1;
            int[][] edges = new int[nodes][];
            for (int f = 0; f < count; f++) {
                Body b = bodies[f];
                int[] e = Arrays.copyOf(b.callees, b.calls + (b.indirect ? 1 : 0));
                if (b.indirect) {
                    e[b.calls] = count;
                }
                edges[f] = e;
            }
            int taken = 0;
            int[] hub = new int[count];
            for (int i = addressTaken.nextSetBit(importedFunctions); i >= 0; i = addressTaken.nextSetBit(i + 1)) {
                if (i - importedFunctions >= count) {
                    break;
                }
                hub[taken++] = i - importedFunctions;
            }
            edges[count] = Arrays.copyOf(hub, taken);
            int[] index = new int[nodes];
            int[] low = new int[nodes];
            boolean[] onStack = new boolean[nodes];
            Arrays.fill(index, -1);
            int[] stack = new int[nodes];
            int sp = 0;
            int[] callNode = new int[nodes];
            int[] callEdge = new int[nodes];
            int next = 0;
            boolean[] charged = new boolean[count];
            for (int root = 0; root < nodes; root++) {
                if (index[root] >= 0) {
                    continue;
                }
                int depth = 0;
                callNode[0] = root;
                callEdge[0] = 0;
                index[root] = low[root] = next++;
                stack[sp++] = root;
                onStack[root] = true;
                while (depth >= 0) {
                    int v = callNode[depth];
                    int[] e = edges[v];
                    if (callEdge[depth] < e.length) {
                        int w = e[callEdge[depth]++];
                        if (w < 0 || w >= nodes) {
                            continue; // an invalid index: the validator refuses the module
                        }
                        if (w == v && v < count) {
                            charged[v] = true; // calls itself
                        }
                        if (index[w] < 0) {
                            index[w] = low[w] = next++;
                            stack[sp++] = w;
                            onStack[w] = true;
                            depth++;
                            callNode[depth] = w;
                            callEdge[depth] = 0;
                        } else if (onStack[w]) {
                            low[v] = Math.min(low[v], index[w]);
                        }
                    } else {
                        if (low[v] == index[v]) {
                            int size = 0;
                            int w;
                            int top = sp;
                            do {
                                w = stack[--sp];
                                onStack[w] = false;
                                size++;
                            } while (w != v);
                            if (size > 1) {
                                for (int i = sp; i < top; i++) {
                                    if (stack[i] < count) {
                                        charged[stack[i]] = true;
                                    }
                                }
                            }
                        }
                        depth--;
                        if (depth >= 0) {
                            int parent = callNode[depth];
                            low[parent] = Math.min(low[parent], low[v]);
                        }
                    }
                }
            }
            return charged;
        }

        /**
         * Writes a body with its counting: a charge at the entry of a function that may recur, and
         * at every loop head. With a known parameter count, loops charge a local budget that
         * borrows {@value #BORROW} units from the counter when it runs dry and gives back what is
         * left at {@code return}, tail calls and the function's end: the counter (a global, dear in
         * compiled code) is touched once per {@value #BORROW} units of loop work.
         */
        void write(Body b, boolean chargeEntry, int params, Out out) {
            boolean budget = b.loops && params >= 0 && b.locals + params < 50_000;
            int local = (int) (b.locals + params);
            if (budget) {
                out.u32(b.groups + 1);
                Reader groups = new Reader(in, b.start, b.codeStart);
                try {
                    groups.u32();
                } catch (Refused impossible) {
                    throw new IllegalStateException(impossible);
                }
                out.bytes(in, groups.pos, b.codeStart - groups.pos);
                out.u8(1);
                out.u8(0x7E);
            } else {
                out.bytes(in, b.start, b.codeStart - b.start);
            }
            int[] ops = b.ops;
            int[] starts = b.starts;
            int n = b.n;
            if (chargeEntry) {
                charge(out, cost(ops, 0, n));
            }
            int copied = b.codeStart;
            for (int i = 0; i < n; i++) {
                int op = ops[i];
                if (op == 0x03) {
                    int afterHeader = i + 1 < n ? starts[i + 1] : b.end;
                    out.bytes(in, copied, afterHeader - copied);
                    copied = afterHeader;
                    if (budget) {
                        chargeLocal(out, local, cost(ops, i + 1, n));
                    } else {
                        charge(out, cost(ops, i + 1, n));
                    }
                } else if (budget && (op == 0x0F || op == 0x12 || op == 0x13 || op == 0x15 || i == n - 1)) {
                    out.bytes(in, copied, starts[i] - copied);
                    copied = starts[i];
                    refund(out, local);
                }
            }
            out.bytes(in, copied, b.end - copied);
        }

        /** Instructions from {@code from} up to and including the next branch point; at least 1. */
        static int cost(int[] ops, int from, int n) {
            int depth = 0;
            int count = 0;
            for (int i = from; i < n; i++) {
                int op = ops[i];
                count++;
                switch (op) {
                    case 0x00, 0x03, 0x05, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x0E, 0x0F, 0x12, 0x13, 0x15, 0xD5, 0xD6 -> {
                        return count;
                    }
                    case 0x02, 0x04, 0x06, 0x1F -> depth++;
                    case 0x0B -> {
                        if (depth == 0) {
                            return count;
                        }
                        depth--;
                    }
                    default -> { }
                }
            }
            return Math.max(1, count);
        }

        /** {@code $fuel -= cost}. */
        void charge(Out out, int cost) {
            sites++;
            out.u8(0x23); // global.get
            out.u32(fuelGlobal);
            out.u8(0x42); // i64.const
            out.s64(cost);
            out.u8(0x7D); // i64.sub
            out.u8(0x24); // global.set
            out.u32(fuelGlobal);
        }

        /** {@code if ((budget -= cost) <= 0) { $fuel -= BORROW; budget += BORROW; }}. */
        void chargeLocal(Out out, int local, int cost) {
            sites++;
            out.u8(0x20); // local.get
            out.u32(local);
            out.u8(0x42);
            out.s64(cost);
            out.u8(0x7D); // i64.sub
            out.u8(0x22); // local.tee
            out.u32(local);
            out.u8(0x42);
            out.s64(0);
            out.u8(0x57); // i64.le_s
            out.u8(0x04); // if
            out.u8(0x40);
            charge(out, BORROW);
            sites--;
            out.u8(0x20); // budget += BORROW (keeping the overdraft: the charge stays exact)
            out.u32(local);
            out.u8(0x42);
            out.s64(BORROW);
            out.u8(0x7C); // i64.add
            out.u8(0x21); // local.set
            out.u32(local);
            out.u8(0x0B);
        }

        /** {@code $fuel += budget} (what the loops borrowed and did not use). */
        void refund(Out out, int local) {
            out.u8(0x23);
            out.u32(fuelGlobal);
            out.u8(0x20);
            out.u32(local);
            out.u8(0x7C); // i64.add
            out.u8(0x24);
            out.u32(fuelGlobal);
        }

        /** Skips the immediates of {@code op} (its opcode byte already read). */
        void immediates(Reader r, int op) throws Refused {
            switch (op) {
                // control
                case 0x00, 0x01, 0x05, 0x0A, 0x0B, 0x0F, 0x19, 0x1A, 0x1B, 0xD1, 0xD3, 0xD4 -> { }
                case 0x02, 0x03, 0x04, 0x06 -> r.blockType();
                case 0x07, 0x08, 0x09, 0x0C, 0x0D, 0x18, 0xD5, 0xD6 -> r.u32(); // tag or label
                case 0x0E -> { // br_table
                    int n = r.u32();
                    if (n < 0) {
                        throw new Refused("br_table too long");
                    }
                    for (int i = 0; i <= n; i++) {
                        r.u32();
                    }
                }
                case 0x10, 0x12, 0x14, 0x15 -> r.u32(); // call, return_call, call_ref, return_call_ref
                case 0x11, 0x13 -> { r.u32(); r.u32(); } // call_indirect: type, table
                case 0x1C -> { // select t*
                    int n = r.u32();
                    for (int i = 0; i < n; i++) {
                        r.valType();
                    }
                }
                case 0x1F -> { // try_table
                    r.blockType();
                    int n = r.u32();
                    for (int i = 0; i < n; i++) {
                        int kind = r.u8();
                        if (kind == 0 || kind == 1) {
                            r.u32();
                        } else if (kind != 2 && kind != 3) {
                            throw new Refused("try_table catch kind " + kind);
                        }
                        r.u32();
                    }
                }
                case 0x20, 0x21, 0x22, 0x25, 0x26 -> r.u32(); // locals, table.get/set
                case 0x23, 0x24 -> { // global.get/set: never the counter
                    int g = r.u32();
                    if (g < 0 || g >= fuelGlobal) {
                        throw new Refused("unknown global " + Integer.toUnsignedString(g));
                    }
                }
                case 0x3F, 0x40 -> r.u32(); // memory.size/grow: memory index
                case 0x41 -> r.leb(5);
                case 0x42 -> r.leb(10);
                case 0x43 -> r.skip(4);
                case 0x44 -> r.skip(8);
                case 0xD0 -> r.leb(5); // ref.null heap type
                case 0xD2 -> addressTaken.set(r.u32() & Integer.MAX_VALUE); // ref.func
                case 0xFC -> prefixedFC(r);
                case 0xFD -> simd(r);
                case 0xFE -> atomic(r);
                default -> {
                    if (op >= 0x28 && op <= 0x3E) {
                        r.memarg();
                    } else if (op >= 0x45 && op <= 0xC4) {
                        // numeric: no immediates
                    } else {
                        throw new Refused("unknown opcode 0x" + Integer.toHexString(op));
                    }
                }
            }
        }

        static void prefixedFC(Reader r) throws Refused {
            int sub = r.u32();
            switch (sub) {
                case 0, 1, 2, 3, 4, 5, 6, 7 -> { } // trunc_sat
                case 8 -> { r.u32(); r.u32(); } // memory.init data, memory
                case 9 -> r.u32(); // data.drop
                case 10 -> { r.u32(); r.u32(); } // memory.copy
                case 11 -> r.u32(); // memory.fill
                case 12 -> { r.u32(); r.u32(); } // table.init elem, table
                case 13 -> r.u32(); // elem.drop
                case 14 -> { r.u32(); r.u32(); } // table.copy
                case 15, 16, 17 -> r.u32(); // table.grow/size/fill
                default -> throw new Refused("unknown opcode 0xfc " + Integer.toUnsignedString(sub));
            }
        }

        static void simd(Reader r) throws Refused {
            int sub = r.u32();
            if (sub < 0) {
                throw new Refused("unknown SIMD opcode");
            }
            if (sub <= 11 || sub == 92 || sub == 93) {
                r.memarg(); // loads, store, load*_zero
            } else if (sub == 12 || sub == 13) {
                r.skip(16); // v128.const, i8x16.shuffle
            } else if (sub >= 21 && sub <= 34) {
                r.u8(); // extract/replace lane
            } else if (sub >= 84 && sub <= 91) {
                r.memarg(); // load/store lane
                r.u8();
            } else if (sub <= 0xFF || (sub >= 0x100 && sub <= 0x113)) {
                // no immediates (including relaxed SIMD)
            } else {
                throw new Refused("unknown SIMD opcode 0xfd " + sub);
            }
        }

        static void atomic(Reader r) throws Refused {
            int sub = r.u32();
            if (sub == 3) {
                r.u8(); // atomic.fence
            } else if (sub >= 0 && sub <= 0x4E) {
                r.memarg();
            } else {
                throw new Refused("unknown atomic opcode 0xfe " + Integer.toUnsignedString(sub));
            }
        }
    }

    // ------------------------------------------------------------------ bytes

    static final class Reader {
        final byte[] b;
        final int start;
        final int end;
        int pos;

        Reader(byte[] b, int start, int end) {
            this.b = b;
            this.start = start;
            this.end = end;
            this.pos = start;
        }

        int u8() throws Refused {
            if (pos >= end) {
                throw new Refused("unexpected end at byte " + pos);
            }
            return b[pos++] & 0xff;
        }

        /** An unsigned LEB128 of up to 32 bits; negative when above Integer.MAX_VALUE. */
        int u32() throws Refused {
            long v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int x = u8();
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    if (v > 0xffff_ffffL) {
                        throw new Refused("integer too large at byte " + pos);
                    }
                    return (int) v;
                }
            }
            throw new Refused("integer representation too long at byte " + pos);
        }

        /** Skips a LEB128 of at most {@code max} bytes. */
        void leb(int max) throws Refused {
            for (int i = 0; i < max; i++) {
                if ((u8() & 0x80) == 0) {
                    return;
                }
            }
            throw new Refused("integer representation too long at byte " + pos);
        }

        void skip(int n) throws Refused {
            if (n < 0 || n > end - pos) {
                throw new Refused("unexpected end at byte " + pos);
            }
            pos += n;
        }

        void name() throws Refused {
            skip(u32());
        }

        /** A value type: one byte, or a typed reference (0x63/0x64) followed by its heap type. */
        void valType() throws Refused {
            int t = u8();
            if (t == 0x63 || t == 0x64) {
                leb(5);
            }
        }

        /** A block type: empty (0x40), a value type, or a type index (s33). */
        void blockType() throws Refused {
            if (pos >= end) {
                throw new Refused("unexpected end at byte " + pos);
            }
            int t = b[pos] & 0xff;
            if (t == 0x63 || t == 0x64) {
                pos++;
                leb(5);
            } else {
                leb(5);
            }
        }

        void limits() throws Refused {
            int flags = u8();
            if (flags > 7) {
                throw new Refused("bad limits flags " + flags);
            }
            int width = (flags & 4) != 0 ? 10 : 5;
            leb(width);
            if ((flags & 1) != 0) {
                leb(width);
            }
        }

        void memarg() throws Refused {
            int align = u32();
            if ((align & 0x40) != 0) {
                u32(); // memory index (multi-memory)
            }
            leb(10); // offset
        }
    }

    static final class Out {
        byte[] buf;
        int n;

        Out(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        void reset() {
            n = 0;
        }

        int size() {
            return n;
        }

        private void ensure(int more) {
            if (n + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
            }
        }

        void u8(int v) {
            ensure(1);
            buf[n++] = (byte) v;
        }

        void u32(int v) {
            ensure(5);
            long x = v & 0xffff_ffffL;
            do {
                int bt = (int) (x & 0x7f);
                x >>>= 7;
                buf[n++] = (byte) (x != 0 ? bt | 0x80 : bt);
            } while (x != 0);
        }

        void s64(long v) {
            ensure(10);
            boolean more = true;
            while (more) {
                int bt = (int) (v & 0x7f);
                v >>= 7;
                more = !((v == 0 && (bt & 0x40) == 0) || (v == -1 && (bt & 0x40) != 0));
                buf[n++] = (byte) (more ? bt | 0x80 : bt);
            }
        }

        void bytes(byte[] src, int from, int length) {
            ensure(length);
            System.arraycopy(src, from, buf, n, length);
            n += length;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, n);
        }
    }
}
