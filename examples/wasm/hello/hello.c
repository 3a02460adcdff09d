/*
 * hello: the smallest Weft guest, a WASI command module.
 *
 *   weft run examples/wasm/hello/hello.wasm [ARG...]
 *
 * Prints "Hello from Weft!", then each argument, then WEFT_GREETING when the environment has it
 * (grant it with `weft run --env WEFT_GREETING=hi ...`). Exits 0. The first argument picks another
 * ending, to show how a guest's end becomes the exit code of `weft run`:
 *
 *   exit        exits with code 3 (WASI proc_exit(3))
 *   trap        traps (the Wasm `unreachable` instruction): weft prints the trap, exits 101
 *   cat FILE    prints FILE, which must be under a directory granted with --dir
 *
 * Build: ../build.sh (clang --target=wasm32-wasi); hello.wasm is committed next to this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cat(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        fwrite(buf, 1, n, stdout);
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    printf("Hello from Weft!\n");
    for (int i = 1; i < argc; i++) {
        printf("arg %d: %s\n", i, argv[i]);
    }
    const char *greeting = getenv("WEFT_GREETING");
    if (greeting != NULL) {
        printf("WEFT_GREETING=%s\n", greeting);
    }
    if (argc > 1 && strcmp(argv[1], "exit") == 0) {
        exit(3); /* flushes stdout, then proc_exit(3) */
    }
    if (argc > 1 && strcmp(argv[1], "trap") == 0) {
        fflush(stdout);
        __builtin_trap();
    }
    if (argc > 2 && strcmp(argv[1], "cat") == 0) {
        return cat(argv[2]);
    }
    return 0;
}
