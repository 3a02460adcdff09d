package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's Java example is {@code Readme.java}, which the build compiles: the README's block
 * must be that file, word for word, and it must run and print what its comments say.
 */
class ReadmeTest {

    /** The examples module directory (surefire runs tests there). */
    private static final Path MODULE = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    private static final Path ROOT = MODULE.getParent();
    private static final Path SOURCE = MODULE.resolve("src/main/java/dev/weft/examples/Readme.java");

    @Test
    void theReadmesJavaExampleIsReadmeJava() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        String source = Files.readString(SOURCE, StandardCharsets.UTF_8);
        String block = javaBlockWithClass(readme, "public class Readme");
        assertEquals(source.strip(), block.strip(),
                "README.md's Java example must be examples/src/main/java/dev/weft/examples/Readme.java, verbatim");
    }

    @Test
    void itRunsAndPrintsWhatItSays() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Readme.main(new String[] {ROOT.resolve("examples/wasm/pingpong/pingpong.wasm").toString()});
        } finally {
            System.setOut(original);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        original.println(String.join("\n", lines));
        assertEquals("hello", lines.get(0));
        assertEquals("42", lines.get(1));
        assertTrue(lines.get(2).startsWith("echo runs as "), lines.toString());
        assertTrue(lines.get(3).startsWith("ponger runs as "), lines.toString());
    }

    /** The fenced ```java block that contains {@code marker}. */
    private static String javaBlockWithClass(String markdown, String marker) {
        int at = markdown.indexOf(marker);
        assertTrue(at >= 0, "README.md has no Java block with '" + marker + "'");
        int start = markdown.lastIndexOf("```java\n", at);
        int end = markdown.indexOf("\n```", at);
        assertTrue(start >= 0 && end > at, "the block with '" + marker + "' is not a ```java block");
        return markdown.substring(start + "```java\n".length(), end);
    }
}
