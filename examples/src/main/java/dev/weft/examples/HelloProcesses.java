package dev.weft.examples;

import dev.weft.mailbox.Message;
import dev.weft.mailbox.MessageFilter;
import dev.weft.node.Node;
import dev.weft.process.AttachedProcess;
import dev.weft.process.DownMessage;
import dev.weft.process.ExitMessage;
import dev.weft.process.ExitReason;
import dev.weft.process.Pid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A tour of Weft's process model with Java processes: spawn many, pass messages, select by tag,
 * link, trap exits, monitor and register.
 *
 * <p>Run it with {@code examples/run} (or {@code examples/run HelloProcesses [workers]}).
 */
public final class HelloProcesses {

    private static final long WORK = 1; // message tags: a request ...
    private static final long RESULT = 2; // ... and its reply

    private record Job(Pid replyTo, long n) {}

    public static void main(String[] args) throws Exception {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        try (Node node = Node.builder().name("hello").build();
                AttachedProcess me = node.attach()) {
            System.out.println("Weft node '" + node.name() + "' up; this thread is process " + me.self());
            if (Boolean.getBoolean("weft.example.showCarriers")) {
                System.out.println("process threads on: " + dev.weft.scheduler.Scheduler.carriers());
            }

            // 1. Spawn many processes; each squares the number it is sent and replies.
            long start = System.nanoTime();
            List<Pid> pids = new ArrayList<>(workers);
            for (int i = 0; i < workers; i++) {
                pids.add(node.spawn(ctx -> {
                    Job job = (Job) ctx.receive(MessageFilter.tags(WORK)).payload();
                    ctx.send(job.replyTo(), RESULT, job.n() * job.n());
                }));
            }
            for (int i = 0; i < workers; i++) {
                me.send(pids.get(i), WORK, new Job(me.self(), i));
            }
            long sum = 0;
            for (int i = 0; i < workers; i++) {
                sum += (Long) me.receive(MessageFilter.tags(RESULT), Duration.ofSeconds(30)).payload();
            }
            double ms = (System.nanoTime() - start) / 1e6;
            System.out.printf("%,d processes spawned, each squared its number and replied: sum = %,d (%.0f ms)%n",
                    workers, sum, ms);

            // 2. A registered counter that serves requests until told to stop.
            Pid counter = node.spawn(ctx -> {
                long count = 0;
                while (true) {
                    Message m = ctx.receive();
                    if (m.payload() instanceof Pid asker) {
                        ctx.send(asker, count);
                    } else if ("stop".equals(m.payload())) {
                        return;
                    } else {
                        count += (Integer) m.payload();
                    }
                }
            });
            node.register("counter", counter);
            for (int i = 1; i <= 100; i++) {
                me.send(node.whereis("counter"), i);
            }
            me.send(counter, me.self());
            System.out.println("registered 'counter' added 1..100 = " + me.receive(Duration.ofSeconds(5)).payload());

            // 3. Links and trapped exits: a supervisor-like process restarts a crashing worker once.
            me.trapExit(true);
            Pid crasher = me.spawnLink(ctx -> {
                throw new IllegalStateException("worker failed on purpose");
            });
            Message exit = me.receive(MessageFilter.payloadOf(ExitMessage.class), Duration.ofSeconds(5));
            ExitMessage signal = (ExitMessage) exit.payload();
            System.out.println("linked worker " + crasher + " exited: " + signal.reason()
                    + " (delivered as a message because this process traps exits)");

            // 4. Monitors: watch the counter stop.
            var ref = me.monitor(counter);
            me.send(counter, "stop");
            DownMessage down = (DownMessage) me.receive(MessageFilter.payloadOf(DownMessage.class),
                    Duration.ofSeconds(5)).payload();
            System.out.println("monitor " + down.ref() + " saw " + down.pid() + " exit: " + down.reason()
                    + "; name 'counter' now " + (node.whereis("counter") == null ? "free" : "taken"));
            if (!ref.equals(down.ref()) || down.reason() != ExitReason.NORMAL) {
                throw new AssertionError("unexpected DOWN " + down);
            }
            System.out.println("processes alive at the end: " + node.processCount() + " (this thread)");
        }
    }
}
