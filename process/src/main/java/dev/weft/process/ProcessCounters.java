package dev.weft.process;

/**
 * What the runtime counts about a running process, for engines that run guest code on it (the
 * Wasm engine's fuel accounting and stack guard): the part of Erlang's {@code process_info} that
 * such an engine needs. Called by the process's own thread only.
 */
public interface ProcessCounters {

    /**
     * How many times the process has parked waiting in its mailbox (a receive or sleep that had
     * to wait). A change means its thread was unmounted: its older frames went to the heap.
     */
    long parks();

    /**
     * Charges the process one slice of guest work (100,000 Wasm instructions of a process that
     * counts fuel): the node's {@code weft.wasm.fuel.slices} meter counts them.
     */
    void chargeFuelSlice();
}
