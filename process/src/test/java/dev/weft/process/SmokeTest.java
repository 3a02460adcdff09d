package dev.weft.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.mailbox.Message;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void echo() throws Exception {
        try (ProcessRuntime rt = new ProcessRuntime(); AttachedProcess me = rt.attach()) {
            Pid echo = rt.spawn(ctx -> {
                Message m = ctx.receive();
                ctx.send((Pid) m.payload(), "hello");
            });
            me.send(echo, me.self());
            assertEquals("hello", me.receive(Duration.ofSeconds(5)).payload());
        }
    }
}
