/*
 * registry: finding a process by name.
 *
 *   weft run examples/wasm/registry/registry.wasm [TEXT]      (default TEXT: "hello, registry")
 *
 * main spawns `server`, which registers itself under the name "upcase" (weft_register) and tells
 * main it is ready. main then spawns `client`, which knows nothing but the name: it looks the server
 * up (weft_whereis), sends it a request with TEXT and its own pid, waits for the reply (TEXT in
 * upper case) and passes it on to main, which prints it. Then main stops the server. Exits 0, or 1
 * if a step fails.
 *
 * Build: ../build.sh (clang --target=wasm32-wasi); registry.wasm is committed next to this file.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <weft/weft.h>

enum { READY = 1, REQUEST = 2, REPLY = 3, RESULT = 4, STOP = 5, TEXT_MAX = 200 };

#define SERVER_NAME "upcase"

typedef struct {
    uint64_t from;
    char text[TEXT_MAX];
} request;

__attribute__((export_name("server")))
void server(uint64_t parent) {
    weft_register(SERVER_NAME, weft_self());
    weft_send(parent, READY, NULL, 0);
    int64_t tags[] = { REQUEST, STOP };
    for (;;) {
        request r;
        weft_message m;
        memset(&r, 0, sizeof r);
        if (weft_receive(tags, 2, WEFT_FOREVER, &r, sizeof r, &m) != WEFT_DATA || m.tag == STOP) return;
        if (m.len < sizeof r.from) continue;
        size_t n = m.len - sizeof r.from;
        for (size_t i = 0; i < n; i++) r.text[i] = (char)toupper((unsigned char)r.text[i]);
        weft_send(r.from, REPLY, r.text, n);
    }
}

__attribute__((export_name("client")))
void client(uint64_t parent) {
    /* The text to send comes from main in a message: memory is not shared between processes. */
    char text[TEXT_MAX];
    weft_message m;
    int64_t go[] = { REQUEST };
    if (weft_receive(go, 1, WEFT_FOREVER, text, sizeof text, &m) != WEFT_DATA) return;
    uint64_t server_pid;
    if (weft_whereis(SERVER_NAME, &server_pid) != WEFT_OK) {
        weft_send(parent, RESULT, "(not found)", 11);
        return;
    }
    request r;
    r.from = weft_self();
    memcpy(r.text, text, m.len);
    weft_send(server_pid, REQUEST, &r, sizeof r.from + m.len);
    char reply[TEXT_MAX];
    int64_t tags[] = { REPLY };
    if (weft_receive(tags, 1, 10000, reply, sizeof reply, &m) != WEFT_DATA) {
        weft_send(parent, RESULT, "(no reply)", 10);
        return;
    }
    weft_send(parent, RESULT, reply, m.len);
}

int main(int argc, char **argv) {
    const char *text = argc > 1 ? argv[1] : "hello, registry";
    size_t len = strlen(text);
    if (len >= TEXT_MAX) len = TEXT_MAX - 1;
    uint64_t me = weft_self(), none;
    weft_message m;

    printf("whereis(\"%s\") before the server starts: %s\n", SERVER_NAME,
           weft_whereis(SERVER_NAME, &none) == WEFT_OK ? "found" : "not found");

    weft_arg args[] = { weft_i64((int64_t)me) };
    uint64_t server_pid;
    if (weft_spawn(0, "server", args, 1, &server_pid) != WEFT_OK) return 1;
    int64_t ready[] = { READY };
    if (weft_receive(ready, 1, 10000, NULL, 0, &m) != WEFT_DATA) {
        printf("the server did not start\n");
        return 1;
    }
    uint64_t found;
    int ok = weft_whereis(SERVER_NAME, &found) == WEFT_OK && found == server_pid;
    printf("server registered as \"%s\": %s\n", SERVER_NAME, ok ? "yes" : "no");
    if (!ok) return 1;

    uint64_t client_pid;
    if (weft_spawn(0, "client", args, 1, &client_pid) != WEFT_OK) return 1;
    weft_send(client_pid, REQUEST, text, len);
    printf("client sends: %.*s\n", (int)len, text);
    char result[TEXT_MAX + 1];
    int64_t tags[] = { RESULT };
    if (weft_receive(tags, 1, 10000, result, TEXT_MAX, &m) != WEFT_DATA) {
        printf("no result from the client\n");
        return 1;
    }
    result[m.len] = '\0';
    printf("client got reply: %s\n", result);

    weft_send(server_pid, STOP, NULL, 0);
    for (size_t i = 0; i < len; i++) {
        if (result[i] != (char)toupper((unsigned char)text[i])) return 1;
    }
    if (m.len != len) return 1;
    printf("ok\n");
    return 0;
}
