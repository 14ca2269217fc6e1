package io.seqtrack.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What consumers get from a release, read from the poms: tracker-bom manages every version the parent pins for a
 * library that can reach a consumer (at the parent's version), and every module the BOM publishes attaches its sources
 * and its javadoc. Guards issue 15's "a consumer gets Guava 31.0.1 through Guice while the build uses 33.5.0".
 */
class PublishingTest {

    private static final Path ROOT = Path.of("..");

    /**
     * Pinned by the parent for the build only: the CLI (picocli, Jackson), the benchmarks (JMH), tests (jqwik, Lincheck,
     * Testcontainers, ArchUnit, the simple SLF4J binding, Kafka's in-JVM broker test kit).
     * {@link #buildOnlyPinsNeverReachAConsumer} checks that no published module depends on one of them outside test
     * scope.
     */
    private static final Set<String> BUILD_ONLY = Set.of(
            "info.picocli:picocli",
            "com.fasterxml.jackson:jackson-bom",
            "org.openjdk.jmh:jmh-core",
            "org.openjdk.jmh:jmh-generator-annprocess",
            "net.jqwik:jqwik",
            "org.jetbrains.lincheck:lincheck",
            "org.testcontainers:testcontainers-bom",
            "com.tngtech.archunit:archunit-junit5",
            "org.slf4j:slf4j-simple",
            "org.apache.kafka:kafka-test-common-runtime");

    @Test
    void theBomManagesEveryVersionTheParentPins_atTheParentsVersion() throws Exception {
        assertThat(differences(managed(pom("pom.xml")), managed(pom("tracker-bom/pom.xml")))).isEmpty();
    }

    @Test
    void aMissingOrDriftedPinIsReported() throws Exception {
        Map<String, String> parent = managed(pom("pom.xml"));
        Map<String, String> bom = new LinkedHashMap<>(managed(pom("tracker-bom/pom.xml")));
        bom.remove("com.google.guava:guava:jar");
        bom.put("io.lettuce:lettuce-core:jar", "6.0.0.RELEASE");

        assertThat(differences(parent, bom)).containsExactlyInAnyOrder(
                "com.google.guava:guava:jar is pinned to 33.5.0-jre by the parent but not managed by tracker-bom",
                "io.lettuce:lettuce-core:jar is 6.0.0.RELEASE in tracker-bom but " + parent.get("io.lettuce:lettuce-core:jar")
                        + " in the parent");
    }

    /** Issue 12: Guice reaches only applications that use the Guice modules (and declare Guice themselves). */
    @Test
    void guiceIsAnOptionalDependencyOfEveryPublishedModule() throws Exception {
        List<String> required = new ArrayList<>();
        for (String module : publishedModules()) {
            for (Element dependency : children(pom(module + "/pom.xml").getDocumentElement(), "dependencies", "dependency")) {
                boolean guice = text(dependency, "groupId", "").equals("com.google.inject");
                boolean consumerSeesIt = !text(dependency, "scope", "compile").equals("test")
                        && !text(dependency, "optional", "false").equals("true");
                if (guice && consumerSeesIt) {
                    required.add(module);
                }
            }
        }
        assertThat(required).as("published modules that force Guice on their users").isEmpty();
    }

    @Test
    void buildOnlyPinsNeverReachAConsumer() throws Exception {
        List<String> leaks = new ArrayList<>();
        for (String module : publishedModules()) {
            for (Element dependency : children(pom(module + "/pom.xml").getDocumentElement(), "dependencies", "dependency")) {
                String scope = text(dependency, "scope", "compile");
                String ga = text(dependency, "groupId", "") + ":" + text(dependency, "artifactId", "");
                boolean buildOnly = BUILD_ONLY.contains(ga) || BUILD_ONLY.stream()
                        .filter(pin -> pin.endsWith("-bom"))
                        .anyMatch(bom -> ga.startsWith(bom.substring(0, bom.indexOf(':')) + ".")
                                || ga.startsWith(bom.substring(0, bom.indexOf(':')) + ":"));
                if (buildOnly && !scope.equals("test")) {
                    leaks.add(module + " depends on " + ga + " in scope " + scope);
                }
            }
        }
        assertThat(leaks).as("a build-only pin used by a published module belongs in tracker-bom").isEmpty();
    }

    @Test
    void everyPublishedModuleAttachesItsSourcesAndJavadoc() throws Exception {
        List<String> published = publishedModules();
        assertThat(published).contains("tracker-core", "tracker-tck", "tracker-inmemory", "tracker-redis",
                "tracker-processor");
        Set<String> managedWithExecutions = children(pom("pom.xml").getDocumentElement(), "build", "pluginManagement",
                "plugins", "plugin").stream()
                .filter(plugin -> !children(plugin, "executions", "execution").isEmpty())
                .map(plugin -> text(plugin, "artifactId", ""))
                .collect(Collectors.toSet());
        assertThat(managedWithExecutions).contains("maven-source-plugin", "maven-javadoc-plugin");
        for (String module : published) {
            Set<String> plugins = children(pom(module + "/pom.xml").getDocumentElement(), "build", "plugins", "plugin")
                    .stream().map(plugin -> text(plugin, "artifactId", "")).collect(Collectors.toSet());
            assertThat(plugins).as("%s publishes -sources.jar and -javadoc.jar", module)
                    .contains("maven-source-plugin", "maven-javadoc-plugin");
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Every third-party pin of the parent that is not build-only must be in the BOM, at the same version. */
    static List<String> differences(Map<String, String> parent, Map<String, String> bom) {
        List<String> found = new ArrayList<>();
        parent.forEach((coordinates, version) -> {
            String ga = coordinates.substring(0, coordinates.lastIndexOf(':'));
            if (ga.startsWith("io.seqtrack:") || BUILD_ONLY.contains(ga)) {
                return;
            }
            String inBom = bom.get(coordinates);
            if (inBom == null) {
                found.add(coordinates + " is pinned to " + version + " by the parent but not managed by tracker-bom");
            } else if (!inBom.equals(version)) {
                found.add(coordinates + " is " + inBom + " in tracker-bom but " + version + " in the parent");
            }
        });
        bom.forEach((coordinates, version) -> {
            if (!coordinates.startsWith("io.seqtrack:") && !parent.containsKey(coordinates)) {
                found.add(coordinates + " is managed by tracker-bom but not pinned by the parent");
            }
        });
        return found;
    }

    /** The seqtrack artifacts the BOM publishes (each is the folder of its module). */
    private static List<String> publishedModules() throws Exception {
        return managed(pom("tracker-bom/pom.xml")).keySet().stream()
                .filter(coordinates -> coordinates.startsWith("io.seqtrack:"))
                .map(coordinates -> coordinates.split(":")[1])
                .toList();
    }

    /** {@code groupId:artifactId:type} → version (properties resolved) of a pom's dependencyManagement. */
    private static Map<String, String> managed(Document pom) {
        Map<String, String> properties = new LinkedHashMap<>();
        children(pom.getDocumentElement(), "properties").forEach(p -> childElements(p)
                .forEach(property -> properties.put(property.getTagName(), property.getTextContent().strip())));
        Map<String, String> managed = new LinkedHashMap<>();
        for (Element dependency : children(pom.getDocumentElement(), "dependencyManagement", "dependencies",
                "dependency")) {
            if (text(dependency, "classifier", null) != null) {
                continue; // a test-jar of one of our own modules
            }
            String coordinates = text(dependency, "groupId", "") + ":" + text(dependency, "artifactId", "") + ":"
                    + text(dependency, "type", "jar");
            managed.put(coordinates, resolve(text(dependency, "version", ""), properties));
        }
        return managed;
    }

    private static String resolve(String value, Map<String, String> properties) {
        Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(value);
        StringBuilder resolved = new StringBuilder();
        while (m.find()) {
            String replacement = properties.getOrDefault(m.group(1), m.group(0));
            m.appendReplacement(resolved, Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(resolved).toString();
    }

    private static Document pom(String path) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        try (InputStream in = Files.newInputStream(ROOT.resolve(path))) {
            return factory.newDocumentBuilder().parse(in);
        } catch (IOException e) {
            throw new IOException("cannot read " + ROOT.resolve(path).toAbsolutePath().normalize(), e);
        }
    }

    /** The elements at the end of a path of child tag names. */
    private static List<Element> children(Element from, String... path) {
        List<Element> level = List.of(from);
        for (String name : path) {
            List<Element> next = new ArrayList<>();
            for (Element element : level) {
                childElements(element).stream().filter(c -> c.getTagName().equals(name)).forEach(next::add);
            }
            level = next;
        }
        return level;
    }

    private static List<Element> childElements(Element parent) {
        List<Element> elements = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
                elements.add((Element) nodes.item(i));
            }
        }
        return elements;
    }

    private static String text(Element parent, String child, String otherwise) {
        return childElements(parent).stream().filter(c -> c.getTagName().equals(child)).findFirst()
                .map(c -> c.getTextContent().strip()).orElse(otherwise);
    }
}
