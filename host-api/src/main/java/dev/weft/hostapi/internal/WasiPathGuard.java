package dev.weft.hostapi.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps a process's WASI file access inside its preopened directories when symbolic links point
 * out of them. Chicory's WASI refuses {@code ..} and absolute paths, but follows a symlink inside a
 * preopened directory to wherever it points ({@code data/link -> /etc/passwd} opened the host's
 * file). This guard wraps the {@code path_*} functions: before Chicory runs one, it resolves the
 * path on the host, following symlinks as the call would, and answers {@code ENOTCAPABLE} (76)
 * if the result lies outside the preopened directory the descriptor came from. A symlink that
 * points nowhere is not followed either (creating through it could write outside).
 *
 * <p>It knows the preopened directories (descriptors 3, 4, ... in the config's order, as Chicory
 * numbers them) and follows the descriptors {@code path_open} hands out, {@code fd_renumber} and
 * {@code fd_close}. One per process; not thread-safe (a process is one thread).
 */
public final class WasiPathGuard {

    /** WASI's errno for "capabilities insufficient". */
    public static final int ENOTCAPABLE = 76;
    private static final int FIRST_PREOPEN_FD = 3;
    private static final int LOOKUP_SYMLINK_FOLLOW = 1;

    /** What a descriptor refers to on the host, and the preopened directory it stays inside. */
    private record Place(Path path, Path root) {}

    private final Map<Integer, Place> places = new HashMap<>();

    /** @param preopens the host directories of the preopened descriptors, in their order */
    public WasiPathGuard(List<Path> preopens) {
        int fd = FIRST_PREOPEN_FD;
        for (Path dir : preopens) {
            Path abs = dir.toAbsolutePath().normalize();
            Path root;
            try {
                root = abs.toRealPath();
            } catch (IOException e) {
                root = abs;
            }
            places.put(fd++, new Place(abs, root));
        }
    }

    /** {@code functions} (Chicory's WASI) with the path functions guarded. */
    public List<ImportFunction> guard(List<ImportFunction> functions) {
        List<ImportFunction> out = new ArrayList<>(functions.size());
        for (ImportFunction f : functions) {
            WasmFunctionHandle inner = f.handle();
            WasmFunctionHandle guarded = switch (f.name()) {
                case "path_open" -> (inst, args) -> {
                    String path = path(inst, (int) args[2], (int) args[3]);
                    boolean follow = ((int) args[1] & LOOKUP_SYMLINK_FOLLOW) != 0;
                    if (!allowed((int) args[0], path, follow)) {
                        return errno();
                    }
                    long[] result = inner.apply(inst, args);
                    if (result != null && result.length > 0 && result[0] == 0) {
                        opened(inst, (int) args[0], path, (int) args[8]);
                    }
                    return result;
                };
                // (fd, flags, path, len, ...): the flags say whether the last component is followed
                case "path_filestat_get", "path_filestat_set_times" -> (inst, args) ->
                        allowed((int) args[0], path(inst, (int) args[2], (int) args[3]),
                                ((int) args[1] & LOOKUP_SYMLINK_FOLLOW) != 0) ? inner.apply(inst, args) : errno();
                // (fd, path, len, ...): the last component is not followed
                case "path_create_directory", "path_remove_directory", "path_unlink_file", "path_readlink" ->
                        (inst, args) -> allowed((int) args[0], path(inst, (int) args[1], (int) args[2]), false)
                                ? inner.apply(inst, args) : errno();
                // (old fd, old path, len, new fd, new path, len)
                case "path_rename" -> (inst, args) ->
                        allowed((int) args[0], path(inst, (int) args[1], (int) args[2]), false)
                                && allowed((int) args[3], path(inst, (int) args[4], (int) args[5]), false)
                                ? inner.apply(inst, args) : errno();
                // (old fd, old flags, old path, len, new fd, new path, len)
                case "path_link" -> (inst, args) ->
                        allowed((int) args[0], path(inst, (int) args[2], (int) args[3]),
                                ((int) args[1] & LOOKUP_SYMLINK_FOLLOW) != 0)
                                && allowed((int) args[4], path(inst, (int) args[5], (int) args[6]), false)
                                ? inner.apply(inst, args) : errno();
                // (target, len, fd, new path, len): where the link is made must be inside
                case "path_symlink" -> (inst, args) ->
                        allowed((int) args[2], path(inst, (int) args[3], (int) args[4]), false)
                                ? inner.apply(inst, args) : errno();
                case "fd_close" -> (inst, args) -> {
                    long[] result = inner.apply(inst, args);
                    if (result != null && result.length > 0 && result[0] == 0 && (int) args[0] >= FIRST_PREOPEN_FD) {
                        places.remove((int) args[0]);
                    }
                    return result;
                };
                case "fd_renumber" -> (inst, args) -> {
                    long[] result = inner.apply(inst, args);
                    if (result != null && result.length > 0 && result[0] == 0) {
                        Place moved = places.remove((int) args[0]);
                        if (moved != null) {
                            places.put((int) args[1], moved);
                        } else {
                            places.remove((int) args[1]);
                        }
                    }
                    return result;
                };
                default -> null;
            };
            out.add(guarded == null ? f : new HostFunction(f.module(), f.name(), f.functionType(), guarded));
        }
        return out;
    }

    private static long[] errno() {
        return new long[] {ENOTCAPABLE};
    }

    /** The path argument; bad pointers and bad UTF-8 are left to Chicory (which answers them). */
    private static String path(Instance inst, int ptr, int len) {
        Memory memory = inst.memory();
        long start = Integer.toUnsignedLong(ptr);
        long n = Integer.toUnsignedLong(len);
        if (memory == null || start + n > memory.pages() * 65536L) {
            return null;
        }
        return new String(memory.readBytes(ptr, (int) n), StandardCharsets.UTF_8);
    }

    /** Records the descriptor path_open wrote at fdPtr. */
    private void opened(Instance inst, int dirFd, String path, int fdPtr) {
        Place dir = places.get(dirFd);
        if (dir == null || path == null) {
            return;
        }
        int fd = inst.memory().readInt(fdPtr);
        places.put(fd, new Place(dir.path().resolve(path).normalize(), dir.root()));
    }

    /**
     * False if {@code path} under descriptor {@code fd} leads, on the host, out of the preopened
     * directory the descriptor is inside. Descriptors it does not know, absolute paths and bad
     * arguments are left to Chicory, which refuses them.
     */
    private boolean allowed(int fd, String path, boolean followLast) {
        Place dir = places.get(fd);
        if (dir == null || path == null || path.isEmpty() || path.startsWith("/") || path.indexOf('\0') >= 0) {
            return true;
        }
        Path target;
        try {
            target = dir.path().resolve(path);
        } catch (RuntimeException invalid) {
            return true;
        }
        Path check = followLast ? target : target.getParent();
        if (check == null) {
            return true;
        }
        Path real = realPath(check);
        return real != null && real.startsWith(dir.root());
    }

    /**
     * The real path of {@code p}: its longest existing prefix resolved with symlinks followed, then
     * the rest; null if a component that does not resolve is a symlink (it would be followed to
     * somewhere that does not exist yet).
     */
    private static Path realPath(Path p) {
        Deque<Path> rest = new ArrayDeque<>();
        Path current = p;
        while (current != null) {
            try {
                Path real = current.toRealPath();
                for (Path part : rest) {
                    real = real.resolve(part);
                }
                return real.normalize();
            } catch (IOException missing) {
                if (Files.isSymbolicLink(current)) {
                    return null; // a dangling symlink on the way
                }
                Path name = current.getFileName();
                if (name == null) {
                    return null;
                }
                rest.push(name);
                current = current.getParent();
            }
        }
        return null;
    }
}
