package dev.weft.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * {@code dev.weft:weft-bom} (bom/pom.xml): it manages exactly the published modules, at the
 * project's version, and a program shaped like a user's builds and runs against it.
 */
class BomTest {

    /** The repository root, from this module's directory (the tests' working directory). */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Reactor modules that are not published: users never depend on them. A new module goes into the BOM or here. */
    private static final Set<String> NOT_PUBLISHED = Set.of("bom", "examples", "integration-tests", "bench");

    /** One pom.xml, read with the JDK's DOM parser. */
    private record Pom(Element project) {
        static Pom read(Path file) throws Exception {
            return new Pom(DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile())
                    .getDocumentElement());
        }

        /** The text of the child of {@code parent} named {@code name}, or null. */
        static String text(Element parent, String name) {
            Element e = child(parent, name);
            return e == null ? null : e.getTextContent().strip();
        }

        static Element child(Element parent, String name) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    return e;
                }
            }
            return null;
        }

        static List<Element> children(Element parent, String name) {
            List<Element> found = new ArrayList<>();
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    found.add(e);
                }
            }
            return found;
        }

        String text(String name) {
            return text(project, name);
        }

        /** The version, the project's own or its parent's. */
        String version() {
            String own = text("version");
            return own != null ? own : text(child(project, "parent"), "version");
        }

        List<String> modules() {
            Element modules = child(project, "modules");
            return modules == null ? List.of() : children(modules, "module").stream().map(m -> m.getTextContent().strip())
                    .toList();
        }

        List<Element> managedDependencies() {
            Element management = child(project, "dependencyManagement");
            return management == null ? List.of() : children(child(management, "dependencies"), "dependency");
        }
    }

    @Test
    void theBomManagesExactlyThePublishedModulesAtTheProjectsVersion() throws Exception {
        Pom parent = Pom.read(ROOT.resolve("pom.xml"));
        Pom bom = Pom.read(ROOT.resolve("bom/pom.xml"));
        assertTrue(parent.modules().contains("bom"), "bom is a module of the reactor: " + parent.modules());

        Set<String> published = new TreeSet<>();
        for (String module : parent.modules()) {
            if (!NOT_PUBLISHED.contains(module)) {
                Pom pom = Pom.read(ROOT.resolve(module).resolve("pom.xml"));
                assertEquals("jar", pom.text("packaging") == null ? "jar" : pom.text("packaging"), module);
                published.add(pom.text("artifactId"));
            }
        }

        Set<String> managed = new TreeSet<>();
        for (Element dependency : bom.managedDependencies()) {
            String artifact = Pom.text(dependency, "artifactId");
            assertEquals("dev.weft", Pom.text(dependency, "groupId"), artifact);
            assertEquals("${project.version}", Pom.text(dependency, "version"), artifact);
            assertNull(Pom.text(dependency, "scope"), artifact);
            assertNull(Pom.text(dependency, "type"), artifact);
            assertTrue(managed.add(artifact), "listed twice: " + artifact);
        }
        assertEquals(published, managed, "bom/pom.xml manages exactly the published modules");

        assertEquals("dev.weft", bom.text("groupId"));
        assertEquals("weft-bom", bom.text("artifactId"));
        assertEquals("pom", bom.text("packaging"));
        assertEquals(parent.version(), bom.version(), "the BOM's version follows the parent's");
        // a parent would hand its managed third-party versions (Chicory, JUnit, ...) to every importer
        assertNull(Pom.child(bom.project(), "parent"), "the BOM has no parent");
        assertEquals(1, Pom.children(Pom.child(bom.project(), "licenses"), "license").size(), "the BOM declares the licence");
        assertEquals("Apache-2.0", Pom.text(Pom.child(Pom.child(parent.project(), "licenses"), "license"), "name"));
    }

    /**
     * bom-user (src/test/resources) imports the BOM and depends on weft-node without a version, as
     * a user's program does. It is built by a Maven of its own against a local repository in a
     * temporary directory, holding this build's poms and jars as if they were published; the
     * third-party artifacts come from this build's local repository, read as a file:// mirror,
     * offline. Nothing is installed into this build's local repository.
     */
    @Test
    @Timeout(300)
    void aProgramThatImportsTheBomBuildsAndRuns(@TempDir Path tmp) throws Exception {
        assumeTrue(Subprocess.onPath("mvn"), "mvn is not on PATH");
        String localRepository = System.getProperty("weft.maven.repo.local");
        assumeTrue(localRepository != null && Files.isDirectory(Path.of(localRepository)), "not run by Maven");
        Pom parent = Pom.read(ROOT.resolve("pom.xml"));
        String version = parent.version();
        Pom bom = Pom.read(ROOT.resolve("bom/pom.xml"));

        // the repository a user would download Weft from: parent and BOM poms, each module's pom and jar
        Path repo = tmp.resolve("repository");
        publish(repo, "weft-parent", version, ROOT.resolve("pom.xml"), null);
        publish(repo, "weft-bom", version, ROOT.resolve("bom/pom.xml"), null);
        List<String> artifacts = bom.managedDependencies().stream().map(d -> Pom.text(d, "artifactId")).toList();
        for (String artifact : artifacts) {
            String module = artifact.substring("weft-".length());
            Path jar = ROOT.resolve(module).resolve("target").resolve(artifact + "-" + version + ".jar");
            assumeTrue(Files.exists(jar), jar + " is not built (run mvn verify)");
            publish(repo, artifact, version, ROOT.resolve(module).resolve("pom.xml"), jar);
        }
        Path settings = tmp.resolve("settings.xml");
        Files.writeString(settings, "<settings><mirrors><mirror><id>build-local-repository</id><mirrorOf>*</mirrorOf>"
                + "<url>" + Path.of(localRepository).toUri() + "</url></mirror></mirrors></settings>\n");
        Path project = tmp.resolve("bom-user");
        copyTree(Path.of("src/test/resources/bom-user"), project);

        Path classpath = project.resolve("classpath.txt");
        Map<String, String> jdk = Map.of("JAVA_HOME", System.getProperty("java.home")); // for mvn
        Subprocess.Result build = Subprocess.run(project, jdk, List.of("mvn", "-B", "-q", "-o", "-Daether.offline.protocols=file",
                "-s", settings.toString(), "-Dmaven.repo.local=" + repo, "-Dweft.version=" + version,
                "compile", "dependency:build-classpath", "-Dmdep.outputFile=" + classpath), 240);
        assertEquals(0, build.code(), "the program builds against the BOM:\n" + build.output());
        List<String> entries = List.of(Files.readString(classpath).strip().split(File.pathSeparator));
        for (String artifact : artifacts) {
            Path expected = repo.resolve("dev/weft").resolve(artifact).resolve(version).resolve(artifact + "-" + version + ".jar");
            assertTrue(entries.contains(expected.toString()), artifact + " " + version + " on the classpath: " + entries);
        }

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Subprocess.Result program = Subprocess.run(project, Map.of(), List.of(java, "-cp",
                project.resolve("target/classes") + File.pathSeparator + String.join(File.pathSeparator, entries),
                "example.Main"), 60);
        assertEquals(0, program.code(), program.output());
        assertEquals("weft node 'bom-user' up\n", program.out(), program.err());
    }

    /** Lays out a pom (and jar) in {@code repo} as a Maven repository holds dev.weft:ARTIFACT:VERSION. */
    private static void publish(Path repo, String artifact, String version, Path pom, Path jar) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("dev/weft").resolve(artifact).resolve(version));
        Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"));
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifact + "-" + version + ".jar"));
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }
}
