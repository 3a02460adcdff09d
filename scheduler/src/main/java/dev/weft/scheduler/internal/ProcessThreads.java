package dev.weft.scheduler.internal;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Makes process threads: virtual threads on Weft's {@link CarrierPool} when the JDK lets us (see
 * {@link CarrierLookup}) and {@code -Dweft.scheduler=jdk} is not set, else on the JDK's default scheduler.
 *
 * <p>A virtual thread's stack lives on its carrier's, so each distinct stack size gets its own
 * JVM-wide carrier pool, made when first asked for (a node with another stack size costs one more
 * set of carriers, not one per node). On the JDK's default scheduler the stack size cannot be
 * chosen: its carriers get the JVM's thread stack size ({@code -Xss}).
 */
public final class ProcessThreads {

    /** Weft's carriers are in use (else the JDK's default scheduler runs process threads). */
    private static final boolean WEFT_CARRIERS =
            !"jdk".equals(System.getProperty("weft.scheduler")) && CarrierLookup.AVAILABLE;
    private static final int CARRIERS =
            Math.max(1, Integer.getInteger("weft.scheduler.carriers", Runtime.getRuntime().availableProcessors()));
    /** The carrier pools by stack size in bytes. */
    private static final Map<Long, CarrierPool> POOLS = new ConcurrentHashMap<>();

    private ProcessThreads() {}

    /** The pool whose carriers have stacks of {@code stackSize} bytes; null on the JDK's scheduler. */
    private static CarrierPool pool(long stackSize) {
        if (!WEFT_CARRIERS) {
            return null;
        }
        return POOLS.computeIfAbsent(stackSize, size -> new CarrierPool(CARRIERS, carrierNamePrefix(size), size));
    }

    private static String carrierNamePrefix(long stackSize) {
        return "weft-carrier-" + (stackSize % 1024 == 0 ? stackSize / 1024 + "k" : stackSize + "b") + "-";
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
     * A new, unstarted virtual thread named {@code name}, whose frames may use {@code stackSize}
     * bytes of stack (on the JDK's default scheduler: the JVM's {@code -Xss} instead).
     */
    public static Thread unstarted(String name, Runnable body, long stackSize) {
        CarrierPool pool = pool(stackSize);
        if (pool == null) {
            return Thread.ofVirtual().name(name).unstarted(body);
        }
        try {
            return (Thread) CarrierLookup.NEW_VIRTUAL_THREAD.invokeExact((Executor) pool, name, 0, body);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a virtual thread on Weft's carriers", e);
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
