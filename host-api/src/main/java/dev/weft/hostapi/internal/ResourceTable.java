package dev.weft.hostapi.internal;

import static dev.weft.hostapi.internal.GuestMemory.trap;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One kind of per-process resource (configs, modules, errors, timers, supervisor specs, ...) by its
 * {@code u64} id, as Lunatic keeps them: ids are never valid in another process, and an id the
 * process does not hold traps the caller with {@code "<function>: unknown <kind> id <id>"}.
 *
 * <p>Ids start at 1 and are never reused. Two tables may draw from one {@link Ids} (Weft numbers
 * configs and modules from one counter, as Lunatic did when they were written). Not thread-safe: a
 * process's host functions run on its own thread. The map is made at the first {@link #add}, so a
 * process that never uses a kind pays only for this object.
 */
public final class ResourceTable<T> {

    /** A counter of ids, shared by the tables made with it. */
    public static final class Ids {
        private long next = 1;

        long next() {
            return next++;
        }
    }

    private final String kind;
    private final Ids ids;
    private Map<Long, T> entries; // null until the first add

    /** A table of {@code kind} (e.g. "config", as trap messages name it) with its own ids. */
    public ResourceTable(String kind) {
        this(kind, new Ids());
    }

    /** A table of {@code kind} whose ids come from {@code ids}. */
    public ResourceTable(String kind, Ids ids) {
        this.kind = kind;
        this.ids = ids;
    }

    /** Adds {@code resource}; returns its new id. */
    public long add(T resource) {
        if (entries == null) {
            entries = new HashMap<>();
        }
        long id = ids.next();
        entries.put(id, resource);
        return id;
    }

    /** The resource {@code id}; traps {@code function} if there is none. */
    public T get(String function, long id) {
        T resource = entries == null ? null : entries.get(id);
        if (resource == null) {
            throw trap(function, "unknown " + kind + " id " + Long.toUnsignedString(id));
        }
        return resource;
    }

    /** Removes and returns the resource {@code id}; traps {@code function} if there is none. */
    public T remove(String function, long id) {
        T resource = get(function, id);
        entries.remove(id);
        return resource;
    }

    /** Removes and returns the resource {@code id}, or null if there is none (no trap). */
    public T take(long id) {
        return entries == null ? null : entries.remove(id);
    }

    /** The number of resources held. */
    public int size() {
        return entries == null ? 0 : entries.size();
    }

    /** Removes the resources that match {@code filter}. */
    public void removeIf(Predicate<? super T> filter) {
        if (entries != null) {
            entries.values().removeIf(filter);
        }
    }
}
