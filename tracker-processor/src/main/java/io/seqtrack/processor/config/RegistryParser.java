package io.seqtrack.processor.config;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.core.registry.SequenceSource;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.composer.ComposerException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Turns the text of one registry file into a {@link DomainRegistry}, or fails with the first problem as a
 * {@link RegistryFileException}. YAML is composed into a node tree and never constructed into objects, so no type
 * named in the file is ever instantiated, and every node keeps the line it came from. Values are read from the text
 * of each scalar, so {@code on}, {@code no} or {@code null} are domain names here, not booleans or nulls.
 */
final class RegistryParser {

    /** A registry is small; these bound what a hostile or mistaken file can cost. */
    static final int MAX_CODE_POINTS = 1 << 20;
    private static final int MAX_ALIASES = 50;
    private static final int MAX_NESTING = 16;
    /** Merges of merges multiply: 24 levels of "<<: [*prev, *prev]" would mean 2^24 merged maps. */
    static final int MAX_MERGES = 1_000;

    private static final List<String> TOP_KEYS = List.of("domains");
    private static final List<String> DOMAIN_KEYS = List.of("mode", "sequenceSource", "firstSequence", "leaseTtl",
            "gapTimeout", "gapPolicy", "maxBufferedPerAggregate", "retry");
    private static final List<String> RETRY_KEYS = List.of("maxAttempts", "initialBackoff", "maxBackoff", "multiplier",
            "jitter");

    private static final String STANDARD_TAG_PREFIX = "tag:yaml.org,2002:";
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+(_[0-9]+)*");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");

    private final String source;
    private int merges;

    RegistryParser(String source) {
        this.source = Objects.requireNonNull(source, "sourceName");
    }

    DomainRegistry parse(String yaml) {
        Node root = compose(yaml);
        if (root == null || isNull(root)) {
            throw fail(1, "domains", "is missing (the file is empty)");
        }
        if (!(root instanceof MappingNode rootMap)) {
            throw fail(line(root), "", "the file must hold a map with the key 'domains', was " + describe(root));
        }
        NodeTuple domains = entries(rootMap, "", TOP_KEYS).get("domains");
        if (domains == null) {
            throw fail(line(root), "domains", "is missing");
        }
        Node domainsNode = domains.getValueNode();
        Map<String, NodeTuple> byName = isNull(domainsNode) ? Map.of()
                : entries(map(domainsNode, "domains"), "domains", null);
        if (byName.isEmpty()) {
            throw fail(line(domains.getKeyNode()), "domains", "must register at least one domain");
        }
        List<DomainRegistration> registrations = new ArrayList<>();
        for (NodeTuple entry : byName.values()) {
            registrations.add(domain(entry));
        }
        try {
            return DomainRegistry.of(registrations);
        } catch (InvalidConfigurationException e) { // not expected: names are unique by now
            throw fail(line(domainsNode), "domains", reason(e), e);
        }
    }

    private DomainRegistration domain(NodeTuple entry) {
        String name = ((ScalarNode) entry.getKeyNode()).getValue(); // entries() admits scalar keys only
        String path = "domains." + name;
        DomainRegistration.Builder builder;
        try {
            builder = DomainRegistration.builder(name);
        } catch (InvalidConfigurationException e) {
            throw fail(line(entry.getKeyNode()), path, "invalid domain name: " + reason(e), e);
        }
        Node value = entry.getValueNode();
        if (isNull(value)) { // "company:" alone registers the domain with every default
            return builder.build();
        }
        for (Map.Entry<String, NodeTuple> field : entries(map(value, path), path, DOMAIN_KEYS).entrySet()) {
            Node node = field.getValue().getValueNode();
            String fieldPath = path + "." + field.getKey();
            switch (field.getKey()) {
                case "mode" -> set(node, fieldPath, choice(node, fieldPath, TrackingMode.values()), builder::mode);
                case "sequenceSource" -> set(node, fieldPath, choice(node, fieldPath, SequenceSource.values()),
                        builder::sequenceSource);
                case "firstSequence" -> set(node, fieldPath, integer(node, fieldPath, Long.MIN_VALUE, Long.MAX_VALUE),
                        builder::firstSequence);
                case "leaseTtl" -> set(node, fieldPath, duration(node, fieldPath), builder::leaseTtl);
                case "gapTimeout" -> set(node, fieldPath, duration(node, fieldPath), builder::gapTimeout);
                case "gapPolicy" -> set(node, fieldPath, choice(node, fieldPath, GapPolicy.values()),
                        builder::gapPolicy);
                case "maxBufferedPerAggregate" -> set(node, fieldPath, intValue(node, fieldPath),
                        builder::maxBufferedPerAggregate);
                case "retry" -> set(node, fieldPath, retry(node, fieldPath), builder::retryPolicy);
                default -> throw new IllegalStateException("unhandled key " + field.getKey());
            }
        }
        return builder.build();
    }

    private RetryPolicy retry(Node value, String path) {
        RetryPolicy.Builder builder = RetryPolicy.builder();
        if (isNull(value)) {
            return builder.build();
        }
        Map<String, NodeTuple> fields = entries(map(value, path), path, RETRY_KEYS);
        for (Map.Entry<String, NodeTuple> field : fields.entrySet()) {
            Node node = field.getValue().getValueNode();
            String fieldPath = path + "." + field.getKey();
            switch (field.getKey()) {
                case "maxAttempts" -> set(node, fieldPath, intValue(node, fieldPath), builder::maxAttempts);
                case "initialBackoff" -> set(node, fieldPath, duration(node, fieldPath), builder::initialBackoff);
                case "maxBackoff" -> set(node, fieldPath, duration(node, fieldPath), builder::maxBackoff);
                case "multiplier" -> set(node, fieldPath, decimal(node, fieldPath), builder::multiplier);
                case "jitter" -> set(node, fieldPath, decimal(node, fieldPath), builder::jitter);
                default -> throw new IllegalStateException("unhandled key " + field.getKey());
            }
        }
        try {
            return builder.build();
        } catch (InvalidConfigurationException e) {
            // build() checks one rule across fields, maxBackoff >= initialBackoff: blame the value the file wrote
            NodeTuple max = fields.get("maxBackoff");
            NodeTuple initial = fields.get("initialBackoff");
            if (max != null) {
                throw fail(line(max.getValueNode()), path + ".maxBackoff", reason(e), e);
            }
            if (initial != null) {
                throw fail(line(initial.getValueNode()), path + ".initialBackoff", "must not be above maxBackoff "
                        + RetryPolicy.defaults().maxBackoff() + " (the default; set maxBackoff too)", e);
            }
            throw fail(line(value), path, reason(e), e);
        }
    }

    /** Hands a value to a builder setter; a value the builder rejects is reported at the node it was read from. */
    private <T> void set(Node node, String path, T value, Consumer<T> setter) {
        try {
            setter.accept(value);
        } catch (InvalidConfigurationException e) {
            throw fail(line(node), path, reason(e), e);
        }
    }

    // ---- reading the node tree ----

    /**
     * The entries of a map by key text, in file order. Rejects keys that are not text, keys outside {@code allowed}
     * (unless it is null) and keys that appear twice — SnakeYAML's own duplicate check runs only when constructing
     * objects, which this parser never does. Merge keys ({@code <<: *defaults}) add the entries of the maps they name
     * unless the map sets the key itself.
     */
    private Map<String, NodeTuple> entries(MappingNode map, String path, List<String> allowed) {
        return entries(map, path, allowed, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private Map<String, NodeTuple> entries(MappingNode map, String path, List<String> allowed, Set<Node> merging) {
        merging.add(map);
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        Map<String, NodeTuple> merged = new LinkedHashMap<>();
        for (NodeTuple entry : map.getValue()) {
            Node keyNode = entry.getKeyNode();
            checkTag(keyNode, path);
            if (Tag.MERGE.equals(keyNode.getTag())) {
                for (MappingNode source : mergeSources(entry.getValueNode(), path)) {
                    if (merging.contains(source)) { // "a: &a {<<: *a}" would merge forever
                        throw fail(line(keyNode), mergePath(path), "merges a map that contains it");
                    }
                    if (++merges > MAX_MERGES) {
                        throw fail(line(keyNode), mergePath(path), "too many merges (more than " + MAX_MERGES + ")");
                    }
                    entries(source, path, allowed, merging).forEach(merged::putIfAbsent); // the first source wins
                }
                continue;
            }
            if (!(keyNode instanceof ScalarNode keyScalar)) {
                throw fail(line(keyNode), path, "keys must be plain text, found " + describe(keyNode));
            }
            String key = keyScalar.getValue();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            if (allowed != null && !allowed.contains(key)) {
                throw fail(line(keyNode), keyPath, unknownKey(key, allowed));
            }
            NodeTuple first = entries.putIfAbsent(key, entry);
            if (first != null) {
                throw fail(line(keyNode), keyPath, "is defined twice, first at line " + line(first.getKeyNode()));
            }
        }
        merging.remove(map);
        merged.forEach(entries::putIfAbsent); // keys the map sets itself win over merged ones
        return entries;
    }

    /** The maps a merge key names: one map, or a list of maps (usually aliases, {@code <<: [*a, *b]}). */
    private List<MappingNode> mergeSources(Node value, String path) {
        List<Node> sources = value instanceof SequenceNode list ? list.getValue() : List.of(value);
        List<MappingNode> maps = new ArrayList<>();
        for (Node source : sources) {
            if (!(source instanceof MappingNode map)) {
                throw fail(line(source), mergePath(path), "must be a map or a list of maps (such as *defaults), was "
                        + describe(source));
            }
            maps.add(map);
        }
        return maps;
    }

    private static String unknownKey(String key, List<String> allowed) {
        String hint = allowed.stream().filter(k -> resembles(key, k)).findFirst()
                .map(k -> " (did you mean '" + k + "'?)").orElse("");
        return "unknown key '" + key + "'" + hint + "; allowed keys: " + String.join(", ", allowed);
    }

    /** A likely typo: the same letters in another case or separator style, or at most two edits away. */
    private static boolean resembles(String key, String allowed) {
        String a = key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
        String b = allowed.toLowerCase(Locale.ROOT);
        if (Math.abs(a.length() - b.length()) > 2) {
            return false;
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()] <= Math.min(2, b.length() / 3);
    }

    private static String mergePath(String path) {
        return path.isEmpty() ? "<<" : path + ".<<";
    }

    private MappingNode map(Node node, String path) {
        checkTag(node, path);
        if (node instanceof MappingNode map) {
            return map;
        }
        throw fail(line(node), path, "must be a map, was " + describe(node));
    }

    /** The text of a scalar value; {@code expected} describes the value for the error when there is none. */
    private String scalar(Node node, String path, String expected) {
        checkTag(node, path);
        if (!(node instanceof ScalarNode scalar)) {
            throw fail(line(node), path, "must be " + expected + ", was " + describe(node));
        }
        if (isNull(scalar)) {
            throw fail(line(node), path, "has no value; write " + expected + ", or remove the key to take the default");
        }
        return scalar.getValue();
    }

    private <E extends Enum<E>> E choice(Node node, String path, E[] values) {
        List<String> names = Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList();
        String expected = "one of " + String.join(", ", names);
        String text = scalar(node, path, expected);
        int index = names.indexOf(text.toLowerCase(Locale.ROOT));
        if (index < 0) {
            throw fail(line(node), path, "must be " + expected + ", was " + quote(text));
        }
        return values[index];
    }

    private int intValue(Node node, String path) {
        return (int) integer(node, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * A whole number in decimal, {@code _} allowed between digits ({@code 10_000}), within the Java type's range;
     * the field's own bounds are the builder's to check.
     */
    private long integer(Node node, String path, long min, long max) {
        String text = scalar(node, path, "a whole number");
        if (!INTEGER.matcher(text).matches()) {
            throw fail(line(node), path, "must be a whole number, was " + quote(text));
        }
        String digits = text.replace("_", "");
        // a longer number is out of any long's range; the cap keeps a megabyte of digits from being converted
        BigInteger value = digits.length() > 25 ? BigInteger.TEN.pow(25).multiply(BigInteger.valueOf(
                digits.startsWith("-") ? -1 : 1)) : new BigInteger(digits);
        if (value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw fail(line(node), path, "must be at most " + max + ", was " + abbreviate(text));
        }
        if (value.compareTo(BigInteger.valueOf(min)) < 0) {
            throw fail(line(node), path, "must be at least " + min + ", was " + abbreviate(text));
        }
        return value.longValue();
    }

    private double decimal(Node node, String path) {
        String text = scalar(node, path, "a number");
        if (!DECIMAL.matcher(text).matches()) {
            throw fail(line(node), path, "must be a number, was " + quote(text));
        }
        double value = Double.parseDouble(text);
        if (Double.isInfinite(value)) {
            throw fail(line(node), path, "is out of range, was " + abbreviate(text));
        }
        // -0.0 becomes 0.0: RetryPolicy compares doubles with == but hashes their bits
        return value + 0.0;
    }

    private Duration duration(Node node, String path) {
        String text = scalar(node, path, Durations.SYNTAX);
        return Durations.parse(text)
                .orElseThrow(() -> fail(line(node), path, "must be " + Durations.SYNTAX + ", was " + quote(text)));
    }

    /** Explicit application tags ({@code !foo}, {@code !!python/...}) mean nothing here; saying so beats ignoring them. */
    private void checkTag(Node node, String path) {
        String tag = node.getTag().getValue();
        if (!tag.startsWith(STANDARD_TAG_PREFIX)) {
            throw fail(line(node), path, "unsupported YAML tag " + tag);
        }
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    private static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a map";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return isNull(node) ? "empty" : quote(((ScalarNode) node).getValue());
    }

    private static String quote(String text) {
        return "'" + abbreviate(text) + "'";
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }

    // ---- YAML syntax ----

    private Node compose(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false); // only constructors look at it; entries() is the check that runs
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setCodePointLimit(MAX_CODE_POINTS);
        // merge keys are resolved by entries(): SnakeYAML's merge-on-compose loops forever on "a: &a {<<: *a}"
        options.setMergeOnCompose(false);
        options.setProcessComments(false);
        try {
            return new Composer(new ParserImpl(new StreamReader(yaml), options), new Resolver(), options)
                    .getSingleNode();
        } catch (ComposerException e) {
            if ("expected a single document in the stream".equals(e.getContext())) {
                throw fail(line(e.getProblemMark()), "", "holds more than one YAML document; expected one", e);
            }
            throw syntaxError(e);
        } catch (MarkedYAMLException e) {
            throw syntaxError(e);
        } catch (ReaderException e) {
            int line = 1 + (int) yaml.codePoints().limit(e.getPosition()).filter(c -> c == '\n').count();
            throw fail(line, "", String.format("invalid YAML: character U+%04X is not allowed", e.getCodePoint()), e);
        } catch (YAMLException e) { // limits: code points, aliases
            throw fail(0, "", "invalid YAML: " + e.getMessage(), e);
        }
    }

    private RegistryFileException syntaxError(MarkedYAMLException e) {
        Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        StringBuilder reason = new StringBuilder("invalid YAML: ")
                .append(Objects.requireNonNullElse(e.getProblem(), e.getContext()));
        if (e.getProblem() != null && e.getContext() != null) {
            reason.append(" (").append(e.getContext());
            if (e.getContextMark() != null) {
                reason.append(" at line ").append(line(e.getContextMark()));
            }
            reason.append(')');
        }
        return fail(line(at), "", reason.toString(), e);
    }

    // ---- errors ----

    private static int line(Node node) {
        return line(node.getStartMark());
    }

    private static int line(Mark mark) {
        return mark == null ? 0 : mark.getLine() + 1;
    }

    private RegistryFileException fail(int line, String field, String reason) {
        return RegistryFileException.at(source, line, field, reason);
    }

    private RegistryFileException fail(int line, String field, String reason, Throwable cause) {
        return RegistryFileException.at(source, line, field, reason, cause);
    }

    /** The builder's message without its "invalid configuration: field " prefix, which the file error restates. */
    private static String reason(InvalidConfigurationException e) {
        String prefix = "invalid configuration: " + e.field() + " ";
        String message = e.getMessage();
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
