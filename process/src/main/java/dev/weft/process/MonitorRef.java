package dev.weft.process;

/** Identifies one monitor; {@link DownMessage}s carry it. Unique within a node's lifetime. */
public record MonitorRef(long node, long id) {

    @Override
    public String toString() {
        return "#Ref<" + node + "." + id + ">";
    }
}
