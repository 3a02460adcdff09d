package dev.weft.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code bench/erlang/weft_bench.erl} with the {@code erl} found on the PATH: compiles it
 * with {@code erlc} into {@code bench/target/erlang} when the source is newer, then starts one
 * Erlang VM per benchmark and parses its {@code RESULT} line.
 */
final class ErlangRunner {

    /** Room for skynet's 1.1M processes (Erlang's default limit is 262,144). */
    private static final List<String> VM_FLAGS = List.of("+P", "4000000");

    private final Path erl;
    private final Path beamDir;
    private String version = "?";

    private ErlangRunner(Path erl, Path beamDir) {
        this.erl = erl;
        this.beamDir = beamDir;
    }

    /** The runner, or empty (with the reason printed) when erl, erlc or the source is missing. */
    static Optional<ErlangRunner> find(Path benchDir) throws IOException, InterruptedException {
        Optional<Path> erl = onPath("erl");
        Optional<Path> erlc = onPath("erlc");
        if (erl.isEmpty() || erlc.isEmpty()) {
            System.out.println("Erlang: erl/erlc not on PATH (Debian: apt-get install erlang-base); no Erlang column.");
            return Optional.empty();
        }
        Path source = benchDir.resolve("erlang/weft_bench.erl");
        if (!Files.isRegularFile(source)) {
            System.out.println("Erlang: " + source + " not found; no Erlang column.");
            return Optional.empty();
        }
        Path beamDir = benchDir.resolve("target/erlang");
        Path beam = beamDir.resolve("weft_bench.beam");
        if (!Files.exists(beam) || Files.getLastModifiedTime(beam).compareTo(Files.getLastModifiedTime(source)) < 0) {
            Files.createDirectories(beamDir);
            Process p = new ProcessBuilder(erlc.get().toString(), "-o", beamDir.toString(), source.toString())
                    .inheritIO().start();
            if (p.waitFor() != 0) {
                System.out.println("Erlang: erlc failed on " + source + "; no Erlang column.");
                return Optional.empty();
            }
        }
        return Optional.of(new ErlangRunner(erl.get(), beamDir));
    }

    /** The flags every Erlang VM of the run gets. */
    String flags() {
        List<String> flags = new ArrayList<>(VM_FLAGS);
        flags.addAll(extraFlags());
        return String.join(" ", flags);
    }

    private static List<String> extraFlags() {
        String extra = System.getenv("WEFT_BENCH_ERL_FLAGS");
        return extra == null || extra.isBlank() ? List.of() : Arrays.asList(extra.trim().split("\\s+"));
    }

    /** "Erlang/OTP 25 (erts 13.1.5, 2 schedulers)", known after the first run. */
    String version() {
        return version;
    }

    /** Runs {@code rounds} rounds of one benchmark in a fresh Erlang VM. */
    Series run(String name, int rounds, Sizes sizes) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(erl.toString());
        command.add("-noshell");
        command.addAll(VM_FLAGS);
        command.addAll(extraFlags());
        command.addAll(List.of("-pa", beamDir.toString(), "-run", "weft_bench", "main",
                "only=" + name, "rounds=" + rounds));
        command.addAll(Arrays.asList(sizes.erlangArgs()));
        command.addAll(List.of("-s", "init", "stop"));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Series result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    result = parseResult(line);
                } else if (line.startsWith("INFO ")) {
                    version = parseInfo(line);
                } else {
                    System.out.println("erl: " + line);
                }
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return Series.failed("erl timed out");
        }
        if (p.exitValue() != 0 || result == null) {
            return Series.failed("erl exited with " + p.exitValue());
        }
        return result;
    }

    /** {@code RESULT spawn cold=2.1 warm_median=1.9 unit=us_per_process rounds=2.1,2.0,1.9}. */
    private static Series parseResult(String line) {
        List<Double> values = new ArrayList<>();
        for (String field : line.split("\\s+")) {
            if (field.startsWith("rounds=")) {
                for (String v : field.substring("rounds=".length()).split(",")) {
                    values.add(Double.parseDouble(v));
                }
            }
        }
        return Series.of(values);
    }

    private static String parseInfo(String line) {
        String otp = "?", erts = "?", schedulers = "?";
        for (String field : line.split("\\s+")) {
            if (field.startsWith("otp=")) {
                otp = field.substring(4);
            } else if (field.startsWith("erts=")) {
                erts = field.substring(5);
            } else if (field.startsWith("schedulers=")) {
                schedulers = field.substring(11);
            }
        }
        return "Erlang/OTP " + otp + " (erts " + erts + ", " + schedulers + " schedulers)";
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
