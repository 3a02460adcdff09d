package dev.weft.process;

/**
 * A process identifier. It names the node the process lives on, so a pid stays valid and
 * unchanged when it travels to other nodes of a cluster.
 *
 * @param node the id of the node that spawned the process
 * @param serial the process's number on that node, never reused while the node runs; 0 names the node itself
 */
public record Pid(long node, long serial) {

    @Override
    public boolean equals(Object other) {
        return other instanceof Pid pid && pid.serial == serial && pid.node == node;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(serial * 0x9E3779B97F4A7C15L + node); // looked up on every send
    }

    @Override
    public String toString() {
        return "<" + node + "." + serial + ">";
    }
}
