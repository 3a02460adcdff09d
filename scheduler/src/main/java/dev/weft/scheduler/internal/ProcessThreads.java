package dev.weft.scheduler.internal;

import java.util.concurrent.Executor;

/**
 * Makes process threads: virtual threads on Weft's {@link CarrierPool} when the JDK lets us (see
 * {@link CarrierLookup}) and {@code -Dweft.scheduler=jdk} is not set, else on the JDK's default scheduler.
 */
public final class ProcessThreads {

    private static final CarrierPool POOL = createPool();

    private ProcessThreads() {}

    private static CarrierPool createPool() {
        if ("jdk".equals(System.getProperty("weft.scheduler")) || !CarrierLookup.AVAILABLE) {
            return null;
        }
        int size = Integer.getInteger("weft.scheduler.carriers", Runtime.getRuntime().availableProcessors());
        return new CarrierPool(Math.max(1, size), "weft-carrier-");
    }

    /** Are process threads preempted at their safepoints (only Weft's carriers do it)? */
    public static boolean preemptsAtSafepoints() {
        return POOL != null;
    }

    /** "weft (N carriers)" or "jdk (why)". */
    public static String describe() {
        if (POOL != null) {
            return "weft carriers (" + POOL.size() + ")";
        }
        return "jdk default scheduler" + (CarrierLookup.AVAILABLE ? " (weft.scheduler=jdk)"
                : " (needs --add-opens java.base/java.lang=ALL-UNNAMED: " + CarrierLookup.UNAVAILABLE_BECAUSE + ")");
    }

    /** A new, unstarted virtual thread named {@code name}. */
    public static Thread unstarted(String name, Runnable body) {
        if (POOL == null) {
            return Thread.ofVirtual().name(name).unstarted(body);
        }
        try {
            return (Thread) CarrierLookup.NEW_VIRTUAL_THREAD.invokeExact((Executor) POOL, name, 0, body);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a virtual thread on Weft's carriers", e);
        }
    }
}
