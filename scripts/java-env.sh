# Sourced by Weft's launchers. Finds a JDK 21+ without help from the user and builds the
# classpath of a module, building the project when its sources changed.
#
#   weft_find_java           sets WEFT_JAVA_HOME (or exits with a clear message)
#   weft_classpath MODULE    prints MODULE's runtime classpath, building first if needed
#   WEFT_JVM_FLAGS           JVM flags every launcher passes (an array)

WEFT_ROOT=${WEFT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

# --add-opens lets Weft run processes on its own carrier threads (scheduler/internal/CarrierPool):
# without it the JDK's default scheduler is used, which is correct but moves message-passing
# processes between cores (see BENCHMARKS.md). ZGC copes best with many short-lived processes.
WEFT_JVM_FLAGS=(-XX:+UseZGC -Xss1m --add-opens java.base/java.lang=ALL-UNNAMED)

weft_java_major() { # JAVA_HOME -> major version, or nothing
    local release="$1/release"
    [ -x "$1/bin/java" ] || return 0
    if [ -f "$release" ]; then
        sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
    else
        "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
    fi
}

weft_find_java() {
    local candidate major best="" best_major=0
    for candidate in "${WEFT_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* "$HOME"/.jdks/* /opt/java/* /opt/jdk*; do
        [ -n "$candidate" ] && [ -d "$candidate" ] || continue
        major=$(weft_java_major "$candidate")
        [ -n "$major" ] || continue
        if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
            best=$candidate
            best_major=$major
        fi
    done
    if [ -z "$best" ]; then
        echo "weft: no JDK 21 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm, ~/.jdks, /opt); install one, e.g. Temurin 25" >&2
        exit 3
    fi
    WEFT_JAVA_HOME=$best
    export WEFT_JAVA_HOME
}

# True when no file under the module sources or poms is newer than the stamp.
weft_build_is_fresh() {
    local stamp=$1
    [ -f "$stamp" ] || return 1
    [ -z "$(find "$WEFT_ROOT" -path "$WEFT_ROOT/.git" -prune -o -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.wasm' \) -newer "$stamp" -print -quit)" ]
}

weft_classpath() {
    local module=$1
    local out="$WEFT_ROOT/$module/target/runtime-classpath.txt"
    if ! weft_build_is_fresh "$out"; then
        echo "weft: building $module (first run or sources changed)..." >&2
        local log="$WEFT_ROOT/target/weft-build.log"
        mkdir -p "$WEFT_ROOT/target"
        if ! (cd "$WEFT_ROOT" && mvn -q -B -Dstyle.color=never -DskipTests -pl "$module" -am package \
            dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt -DincludeScope=runtime) \
            > "$log" 2>&1; then
            cat "$log" >&2
            echo "weft: build failed (log: $log)" >&2
            exit 4
        fi
        touch "$out" # the plugin leaves an unchanged file alone; the stamp must say "built now"
    fi
    echo "$WEFT_ROOT/$module/target/classes:$(cat "$out")"
}
