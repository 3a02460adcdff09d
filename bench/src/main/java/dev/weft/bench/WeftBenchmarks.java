package dev.weft.bench;

import dev.weft.process.Pid;
import dev.weft.process.ProcessContext;

/**
 * The five benchmarks on Weft's Java processes. Each method runs inside a driver process (a Weft
 * process spawned for the round) and returns the round's figure in the benchmark's unit. The
 * programs mirror {@code bench/erlang/weft_bench.erl} step by step.
 */
final class WeftBenchmarks {

    private static final Object DONE = "done";
    private static final Object GO = "go";
    private static final Object STOP = "stop";

    private WeftBenchmarks() {}

    /**
     * (a) Spawn + one message + exit: the driver spawns a process and sends it one message (its
     * own pid); the process replies and exits. Timed until all replies are in. µs per process.
     */
    static double spawn(ProcessContext ctx, Sizes sizes) {
        int n = sizes.spawnProcesses();
        Pid self = ctx.self();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Pid child = ctx.spawn(c -> c.send((Pid) c.receive().payload(), DONE));
            ctx.send(child, self);
        }
        for (int i = 0; i < n; i++) {
            ctx.receive();
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }

    /** (b) Ping-pong: two processes bounce an integer, half the messages each way. Messages/s. */
    static double pingPong(ProcessContext ctx, Sizes sizes) {
        int messages = sizes.pingPongMessages();
        Pid driver = ctx.self();
        Pid pong = ctx.spawn(c -> {
            Pid ping = (Pid) c.receive().payload();
            while (true) {
                Object m = c.receive().payload();
                if (m == STOP) {
                    return;
                }
                c.send(ping, m);
            }
        });
        Pid ping = ctx.spawn(c -> {
            c.send(pong, c.self());
            c.receive(); // go
            long t0 = System.nanoTime();
            for (int i = messages / 2; i > 0; i--) {
                c.send(pong, i);
                c.receive();
            }
            long elapsed = System.nanoTime() - t0;
            c.send(pong, STOP);
            c.send(driver, elapsed);
        });
        ctx.send(ping, GO);
        long nanos = (Long) ctx.receive().payload();
        return messages / (nanos / 1e9);
    }

    /**
     * (c) Thread ring: processes in a ring pass a counter, decremented at each hop; the process
     * that gets 0 tells the driver. Timed from injecting the token to that message. Hops/s.
     */
    static double ring(ProcessContext ctx, Sizes sizes) {
        Pid driver = ctx.self();
        Pid first = ctx.spawn(c -> ringLoop(c, (Pid) c.receive().payload(), driver));
        Pid next = first;
        for (int i = 2; i <= sizes.ringSize(); i++) {
            Pid to = next;
            next = ctx.spawn(c -> ringLoop(c, to, driver));
        }
        ctx.send(first, next); // close the ring: the first process sends to the last one spawned
        long t0 = System.nanoTime();
        ctx.send(first, sizes.ringHops());
        ctx.receive();
        long elapsed = System.nanoTime() - t0;
        ctx.send(first, STOP);
        return sizes.ringHops() / (elapsed / 1e9);
    }

    private static void ringLoop(ProcessContext c, Pid next, Pid driver) {
        while (true) {
            Object m = c.receive().payload();
            if (m == STOP) {
                c.send(next, STOP);
                return;
            }
            int n = (Integer) m;
            if (n == 0) {
                c.send(driver, DONE);
            } else {
                c.send(next, n - 1);
            }
        }
    }

    /**
     * (d) Skynet: a tree of processes with fan-out 10; a leaf replies its number, an inner process
     * spawns its 10 children and replies the sum of their replies. Milliseconds.
     */
    static double skynet(ProcessContext ctx, Sizes sizes) {
        Pid driver = ctx.self();
        long leaves = sizes.skynetLeaves();
        long t0 = System.nanoTime();
        ctx.spawn(c -> skynet(c, driver, 0, leaves));
        long sum = (Long) ctx.receive().payload();
        long elapsed = System.nanoTime() - t0;
        if (sum != Sizes.skynetExpectedSum(leaves)) {
            throw new IllegalStateException("skynet sum " + sum + ", expected " + Sizes.skynetExpectedSum(leaves));
        }
        return elapsed / 1e6;
    }

    private static void skynet(ProcessContext c, Pid parent, long num, long size) {
        if (size == 1) {
            c.send(parent, num);
            return;
        }
        Pid self = c.self();
        long sub = size / 10;
        for (int i = 0; i < 10; i++) {
            long childNum = num + i * sub;
            c.spawn(child -> skynet(child, self, childNum, sub));
        }
        long sum = 0;
        for (int i = 0; i < 10; i++) {
            sum += (Long) c.receive().payload();
        }
        c.send(parent, sum);
    }

    /**
     * (e) Fan-in: many senders each send a batch of messages to one receiver, which counts them.
     * Timed from the first sender's spawn until the receiver has them all. Messages/s.
     */
    static double fanIn(ProcessContext ctx, Sizes sizes) {
        Pid driver = ctx.self();
        int perSender = sizes.faninPerSender();
        long total = (long) sizes.faninSenders() * perSender;
        Pid receiver = ctx.spawn(c -> {
            for (long i = 0; i < total; i++) {
                c.receive();
            }
            c.send(driver, DONE);
        });
        long t0 = System.nanoTime();
        for (int s = 0; s < sizes.faninSenders(); s++) {
            ctx.spawn(c -> {
                for (int i = perSender; i > 0; i--) {
                    c.send(receiver, i);
                }
            });
        }
        ctx.receive();
        long elapsed = System.nanoTime() - t0;
        return total / (elapsed / 1e9);
    }
}
