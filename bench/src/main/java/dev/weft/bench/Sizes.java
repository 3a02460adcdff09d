package dev.weft.bench;

/**
 * How big each benchmark is. The same sizes are passed to the Erlang programs, so all three
 * systems run the same work.
 *
 * @param spawnProcesses processes spawned by the spawn benchmark
 * @param pingPongMessages messages in all, both directions together
 * @param ringSize processes in the thread ring
 * @param ringHops hops the token makes around the ring
 * @param skynetLeaves leaves of the skynet tree (a power of 10)
 * @param faninSenders senders in the fan-in benchmark
 * @param faninPerSender messages each fan-in sender sends
 * @param wasmSkynetLeaves leaves of the Wasm processes' skynet (a power of 10; smaller than the
 *     others', see BENCHMARKS.md)
 * @param idleProcesses idle Wasm processes of the idle benchmark
 */
record Sizes(int spawnProcesses, int pingPongMessages, int ringSize, int ringHops,
             int skynetLeaves, int faninSenders, int faninPerSender, int wasmSkynetLeaves, int idleProcesses) {

    static final Sizes FULL = new Sizes(100_000, 1_000_000, 503, 2_000_000, 1_000_000, 1000, 1000, 100_000, 100_000);

    /** A tenth (or so) of everything: a smoke test of the command, not a measurement. */
    static final Sizes QUICK = new Sizes(10_000, 100_000, 503, 200_000, 100_000, 100, 1000, 10_000, 10_000);

    Sizes withRingHops(int hops) {
        return new Sizes(spawnProcesses, pingPongMessages, ringSize, hops, skynetLeaves, faninSenders, faninPerSender,
                wasmSkynetLeaves, idleProcesses);
    }

    /** The arguments that give the Erlang programs these sizes. */
    String[] erlangArgs() {
        return new String[] {
            "spawn_n=" + spawnProcesses, "pingpong_msgs=" + pingPongMessages, "ring_size=" + ringSize,
            "ring_hops=" + ringHops, "skynet_leaves=" + skynetLeaves,
            "fanin_senders=" + faninSenders, "fanin_per_sender=" + faninPerSender,
        };
    }

    static long skynetExpectedSum(long leaves) {
        return leaves * (leaves - 1) / 2;
    }
}
