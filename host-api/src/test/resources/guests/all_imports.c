/*
 * all_imports.c -- a guest that imports every one of the 140 lunatic::* host functions, with the
 * exact signatures of lunatic-abi.json (checked by LunaticHeaderTest). A host must be able to
 * instantiate it and run it: _start (main) returns 0 without calling any lunatic function, and
 * the export `hello` does nothing (spawn it to check that spawning works with all imports linked).
 *
 * The address of every function goes into a volatile table, so the linker keeps every import.
 * The weft.h helpers are compiled too (behind a branch that is never taken at run time), so a
 * header that does not compile with -Wall -Wextra -Werror fails the build.
 *
 * Build: ./build.sh (in this directory).
 */
#include <weft/weft.h>

typedef void (*any_fn)(void);

#define ENTRY(module, name) (any_fn)lunatic_##module##_##name,
static any_fn const volatile all_lunatic_functions[] = { LUNATIC_FOR_EACH_FUNCTION(ENTRY) };
#undef ENTRY

_Static_assert(sizeof all_lunatic_functions / sizeof all_lunatic_functions[0] == 140,
               "the Lunatic ABI has 140 functions");

/* Never non-zero unless a debugger changes it: keeps the helper calls below alive but unexecuted. */
static volatile int use_helpers = 0;

static void helpers(void) {
    uint8_t buf[64];
    char text[128];
    weft_message msg;
    uint64_t pid = 0;
    weft_arg args[2];
    int64_t tags[1] = { 7 };
    args[0] = weft_i32(-1);
    args[1] = weft_i64(1LL << 40);
    if (weft_spawn(0, "hello", args, 2, &pid) != WEFT_OK) {
        weft_error_message(pid, text, sizeof text);
    }
    weft_send(pid, 7, "hi", 2);
    if (weft_receive(tags, 1, 100, buf, sizeof buf, &msg) == WEFT_DATA) {
        weft_send(weft_self(), (int64_t)msg.len, buf, msg.len);
    }
    weft_receive_any(buf, sizeof buf, NULL);
    weft_link(pid, 3);
    weft_trap_exit(1);
    weft_sleep_ms(1);
    weft_register("all_imports", weft_self());
    weft_whereis("all_imports", &pid);
}

__attribute__((export_name("hello")))
void hello(void) {
}

int main(void) {
    size_t n = sizeof all_lunatic_functions / sizeof all_lunatic_functions[0];
    for (size_t i = 0; i < n; i++) {
        if (all_lunatic_functions[i] == 0) return 1;  /* reads the table: every import stays */
    }
    if (use_helpers) helpers();
    return 0;
}
