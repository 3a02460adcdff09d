package dev.weft.scheduler.internal;

import java.lang.System.Logger.Level;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the process threads of one scheduler: virtual threads on a {@link CarrierPool} of its own
 * when the JDK lets us (see {@link CarrierLookup}) and {@code -Dweft.scheduler=jdk} is not set, else
 * on the JDK's default scheduler.
 *
 * <p>A virtual thread's stack lives on its carrier's, so the pool's carriers get the scheduler's
 * stack size. The pool is started with the first process thread (a scheduler that runs none costs
 * no thread) and stopped by {@link #close()}. On the JDK's default scheduler the stack size cannot
 * be chosen: its carriers get the JVM's thread stack size ({@code -Xss}).
 *
 * <p>Concurrency contract: thread-safe. The pool is made once, under a lock, never after close.
 */
public final class ProcessThreads implements AutoCloseable {

    private static final boolean JDK_CHOSEN = "jdk".equals(System.getProperty("weft.scheduler"));
    /** Weft's carriers are in use (else the JDK's default scheduler runs process threads). */
    private static final boolean WEFT_CARRIERS = !JDK_CHOSEN && CarrierLookup.AVAILABLE;
    private static final int CARRIERS =
            Math.max(1, Integer.getInteger("weft.scheduler.carriers", Runtime.getRuntime().availableProcessors()));
    private static final AtomicInteger POOLS_MADE = new AtomicInteger();
    private static final AtomicBoolean FALLBACK_REPORTED = new AtomicBoolean();

    private final long stackSize;
    private final Object lock = new Object();
    private volatile CarrierPool pool;
    private volatile boolean closed;

    /** Process threads with {@code stackSize} bytes of stack (on Weft's carriers). */
    public ProcessThreads(long stackSize) {
        this.stackSize = stackSize;
        reportFallbackOnce();
    }

    /**
     * Says once per JVM, as a warning, that process threads run on the JDK's default scheduler
     * because the JDK's internals are closed; not when {@code -Dweft.scheduler=jdk} asked for it.
     */
    private static void reportFallbackOnce() {
        if (!JDK_CHOSEN && !CarrierLookup.AVAILABLE && FALLBACK_REPORTED.compareAndSet(false, true)) {
            System.getLogger("dev.weft.scheduler").log(Level.WARNING,
                    "Weft runs processes on the JDK's default scheduler, several times slower at messaging: "
                            + "start the JVM with --add-opens java.base/java.lang=ALL-UNNAMED to run them on "
                            + "Weft's carriers (" + CarrierLookup.UNAVAILABLE_BECAUSE + ")");
        }
    }

    /** Are process threads preempted at their safepoints (only Weft's carriers do it)? */
    public static boolean preemptsAtSafepoints() {
        return WEFT_CARRIERS;
    }

    /** "weft carriers (N)" or "jdk default scheduler (why)". */
    public static String describe() {
        if (WEFT_CARRIERS) {
            return "weft carriers (" + CARRIERS + ")";
        }
        return "jdk default scheduler" + (CarrierLookup.AVAILABLE ? " (weft.scheduler=jdk)"
                : " (needs --add-opens java.base/java.lang=ALL-UNNAMED: " + CarrierLookup.UNAVAILABLE_BECAUSE + ")");
    }

    /**
     * A new, unstarted virtual thread named {@code name}, whose frames may use the stack size of
     * these process threads (on the JDK's default scheduler: the JVM's {@code -Xss} instead). A
     * thread made while {@link #close()} runs may never run.
     *
     * @throws IllegalStateException once closed
     */
    public Thread unstarted(String name, Runnable body) {
        if (closed) {
            throw new IllegalStateException("the scheduler is closed");
        }
        if (!WEFT_CARRIERS) {
            return Thread.ofVirtual().name(name).unstarted(body);
        }
        Executor carriers = pool();
        try {
            return (Thread) CarrierLookup.NEW_VIRTUAL_THREAD.invokeExact(carriers, name, 0, body);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a virtual thread on Weft's carriers", e);
        }
    }

    /** The carrier pool, started at the first call. @throws IllegalStateException once closed */
    private CarrierPool pool() {
        CarrierPool started = pool;
        if (started != null) {
            return started;
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the scheduler is closed");
            }
            if (pool == null) {
                pool = new CarrierPool(CARRIERS, carrierNamePrefix(POOLS_MADE.incrementAndGet(), stackSize), stackSize);
            }
            return pool;
        }
    }

    /** "weft-carrier-3-1024k-": the third pool of this JVM, carriers with 1024 KiB of stack. */
    private static String carrierNamePrefix(int poolNumber, long stackSize) {
        return "weft-carrier-" + poolNumber + "-"
                + (stackSize % 1024 == 0 ? stackSize / 1024 + "k" : stackSize + "b") + "-";
    }

    /** Stops the carriers, if they were started (see {@link CarrierPool#close()}). Idempotent. */
    @Override
    public void close() {
        CarrierPool started;
        synchronized (lock) {
            closed = true;
            started = pool;
        }
        if (started != null) {
            started.close();
        }
    }

    /**
     * The stack size of the carrier running the calling thread, if it is a virtual thread on Weft's
     * carriers (or one of those carriers); empty otherwise.
     */
    public static OptionalLong currentStackSize() {
        if (!CarrierLookup.AVAILABLE) {
            return OptionalLong.empty();
        }
        CarrierPool.Carrier carrier = CarrierLookup.currentCarrier();
        return carrier == null ? OptionalLong.empty() : OptionalLong.of(carrier.pool.stackSize());
    }
}
