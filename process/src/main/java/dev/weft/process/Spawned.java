package dev.weft.process;

import java.util.Objects;

/**
 * What {@link ProcessContext#spawn(ProcessBody, SpawnOptions)} returns: the new process and, if the
 * options asked for one, the spawner's monitor on it (else null).
 */
public record Spawned(Pid pid, MonitorRef monitor) {

    public Spawned {
        Objects.requireNonNull(pid, "pid");
    }
}
