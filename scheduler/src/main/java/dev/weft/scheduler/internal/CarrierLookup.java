package dev.weft.scheduler.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;

/**
 * Finds the carrier a virtual thread runs on, and makes virtual threads with a custom scheduler.
 * Both need the JDK's internals: {@code --add-opens java.base/java.lang=ALL-UNNAMED}. Without it
 * {@link #AVAILABLE} is false and Weft uses the JDK's default scheduler.
 */
final class CarrierLookup {

    private static final VarHandle CARRIER_THREAD;
    /** {@code ThreadBuilders.newVirtualThread(Executor scheduler, String name, int characteristics, Runnable task)}. */
    static final MethodHandle NEW_VIRTUAL_THREAD;
    static final boolean AVAILABLE;
    static final String UNAVAILABLE_BECAUSE;

    static {
        VarHandle carrier = null;
        MethodHandle builder = null;
        String why = null;
        try {
            Class<?> virtualThread = Class.forName("java.lang.VirtualThread");
            carrier = MethodHandles.privateLookupIn(virtualThread, MethodHandles.lookup())
                    .findVarHandle(virtualThread, "carrierThread", Thread.class);
            Class<?> builders = Class.forName("java.lang.ThreadBuilders");
            builder = MethodHandles.privateLookupIn(builders, MethodHandles.lookup()).findStatic(builders,
                    "newVirtualThread", MethodType.methodType(Thread.class, Executor.class, String.class,
                            int.class, Runnable.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            carrier = null;
            builder = null;
            why = e.toString();
        }
        CARRIER_THREAD = carrier;
        NEW_VIRTUAL_THREAD = builder;
        AVAILABLE = carrier != null && builder != null;
        UNAVAILABLE_BECAUSE = why;
    }

    private CarrierLookup() {}

    /** The Weft carrier running the current virtual thread, or null. */
    static CarrierPool.Carrier currentCarrier() {
        Thread current = Thread.currentThread();
        if (current instanceof CarrierPool.Carrier carrier) {
            return carrier;
        }
        if (!current.isVirtual()) {
            return null;
        }
        return CARRIER_THREAD.get(current) instanceof CarrierPool.Carrier carrier ? carrier : null;
    }
}
