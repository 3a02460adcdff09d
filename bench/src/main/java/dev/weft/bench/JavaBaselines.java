package dev.weft.bench;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The five benchmarks in plain Java, as one would write them without Weft: a "process" is a
 * virtual thread with a {@link LinkedBlockingQueue} as its mailbox. Same programs, same sizes as
 * {@link WeftBenchmarks}; each method runs on a virtual thread (the driver).
 */
final class JavaBaselines {

    private static final Object DONE = "done";
    private static final Object GO = "go";
    private static final Object STOP = "stop";

    private JavaBaselines() {}

    private static BlockingQueue<Object> mailbox() {
        return new LinkedBlockingQueue<>();
    }

    @SuppressWarnings("unchecked")
    private static BlockingQueue<Object> asMailbox(Object o) {
        return (BlockingQueue<Object>) o;
    }

    static double spawn(Sizes sizes) throws InterruptedException {
        int n = sizes.spawnProcesses();
        BlockingQueue<Object> self = mailbox();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            BlockingQueue<Object> box = mailbox();
            Thread.startVirtualThread(() -> {
                try {
                    asMailbox(box.take()).put(DONE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            box.put(self);
        }
        for (int i = 0; i < n; i++) {
            self.take();
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }

    static double pingPong(Sizes sizes) throws InterruptedException {
        int messages = sizes.pingPongMessages();
        BlockingQueue<Object> driver = mailbox();
        BlockingQueue<Object> pongBox = mailbox();
        BlockingQueue<Object> pingBox = mailbox();
        Thread.startVirtualThread(() -> {
            try {
                BlockingQueue<Object> ping = asMailbox(pongBox.take());
                while (true) {
                    Object m = pongBox.take();
                    if (m == STOP) {
                        return;
                    }
                    ping.put(m);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.startVirtualThread(() -> {
            try {
                pongBox.put(pingBox);
                pingBox.take(); // go
                long t0 = System.nanoTime();
                for (int i = messages / 2; i > 0; i--) {
                    pongBox.put(i);
                    pingBox.take();
                }
                long elapsed = System.nanoTime() - t0;
                pongBox.put(STOP);
                driver.put(elapsed);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        pingBox.put(GO);
        long nanos = (Long) driver.take();
        return messages / (nanos / 1e9);
    }

    static double ring(Sizes sizes) throws InterruptedException {
        BlockingQueue<Object> driver = mailbox();
        BlockingQueue<Object> first = mailbox();
        BlockingQueue<Object> next = first;
        for (int i = 1; i <= sizes.ringSize(); i++) {
            BlockingQueue<Object> box = i == 1 ? first : mailbox();
            BlockingQueue<Object> to = i == 1 ? null : next;
            Thread.startVirtualThread(() -> ringLoop(box, to, driver));
            next = box;
        }
        first.put(next); // close the ring
        long t0 = System.nanoTime();
        first.put(sizes.ringHops());
        driver.take();
        long elapsed = System.nanoTime() - t0;
        first.put(STOP);
        return sizes.ringHops() / (elapsed / 1e9);
    }

    private static void ringLoop(BlockingQueue<Object> self, BlockingQueue<Object> next, BlockingQueue<Object> driver) {
        try {
            if (next == null) {
                next = asMailbox(self.take());
            }
            while (true) {
                Object m = self.take();
                if (m == STOP) {
                    next.put(STOP);
                    return;
                }
                int n = (Integer) m;
                if (n == 0) {
                    driver.put(DONE);
                } else {
                    next.put(n - 1);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static double skynet(Sizes sizes) throws InterruptedException {
        BlockingQueue<Object> driver = mailbox();
        long leaves = sizes.skynetLeaves();
        long t0 = System.nanoTime();
        Thread.startVirtualThread(() -> skynet(driver, 0, leaves));
        long sum = (Long) driver.take();
        long elapsed = System.nanoTime() - t0;
        if (sum != Sizes.skynetExpectedSum(leaves)) {
            throw new IllegalStateException("skynet sum " + sum + ", expected " + Sizes.skynetExpectedSum(leaves));
        }
        return elapsed / 1e6;
    }

    private static void skynet(BlockingQueue<Object> parent, long num, long size) {
        try {
            if (size == 1) {
                parent.put(num);
                return;
            }
            BlockingQueue<Object> self = mailbox();
            long sub = size / 10;
            for (int i = 0; i < 10; i++) {
                long childNum = num + i * sub;
                Thread.startVirtualThread(() -> skynet(self, childNum, sub));
            }
            long sum = 0;
            for (int i = 0; i < 10; i++) {
                sum += (Long) self.take();
            }
            parent.put(sum);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static double fanIn(Sizes sizes) throws InterruptedException {
        BlockingQueue<Object> driver = mailbox();
        BlockingQueue<Object> receiver = mailbox();
        int perSender = sizes.faninPerSender();
        long total = (long) sizes.faninSenders() * perSender;
        Thread.startVirtualThread(() -> {
            try {
                for (long i = 0; i < total; i++) {
                    receiver.take();
                }
                driver.put(DONE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long t0 = System.nanoTime();
        for (int s = 0; s < sizes.faninSenders(); s++) {
            Thread.startVirtualThread(() -> {
                try {
                    for (int i = perSender; i > 0; i--) {
                        receiver.put(i);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        driver.take();
        long elapsed = System.nanoTime() - t0;
        return total / (elapsed / 1e9);
    }
}
