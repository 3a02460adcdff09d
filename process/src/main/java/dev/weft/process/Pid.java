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
    public String toString() {
        return "<" + node + "." + serial + ">";
    }
}
