package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs a user reads (every Markdown file of the repository) speak of the repository alone:
 * each relative link leads to a file inside it, and none points at the workspace around it.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** A Markdown link or image: [text](target) or [text](target "title"). */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    /** What the workspace around the repository has and a user's clone does not. */
    private static final Pattern OUTSIDE = Pattern.compile("\\.\\./shared/|`issues`");

    @Test
    void everyRelativeLinkLeadsToAFileInTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : markdownFiles()) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*") || target.startsWith("#")) {
                    continue; // a web address, or a heading of the same page
                }
                String file = target.replaceAll("#.*$", "");
                Path resolved = doc.getParent().resolve(file).normalize();
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(ROOT.relativize(doc) + ": " + target);
                }
            }
        }
        assertEquals(List.of(), broken, "links that lead outside the repository or nowhere");
    }

    @Test
    void noDocPointsAtTheWorkspaceAroundTheRepository() throws IOException {
        for (Path doc : markdownFiles()) {
            Matcher m = OUTSIDE.matcher(Files.readString(doc));
            if (m.find()) {
                fail(ROOT.relativize(doc) + " mentions " + m.group());
            }
        }
    }

    private static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            List<Path> docs = files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> {
                        for (Path part : ROOT.relativize(p)) {
                            String name = part.toString();
                            if (name.equals("target") || name.startsWith(".")) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .toList();
            assertFalse(docs.isEmpty(), "no Markdown files under " + ROOT);
            return docs;
        }
    }
}
