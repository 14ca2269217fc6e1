package io.seqtrack.processor.config;

import io.seqtrack.core.domain.InvalidConfigurationException;
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
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed reads of one registry file's composed node tree — maps (with merge keys), choices, whole numbers, decimals,
 * durations — each failing with a {@link RegistryFileException} that names the file, the line and the field. Values
 * are read from the text of each scalar, so {@code on}, {@code no} or {@code null} are text here, not booleans or
 * nulls.
 */
final class RegistryNodes {

    /** Merges of merges multiply: 24 levels of "<<: [*prev, *prev]" would mean 2^24 merged maps. */
    static final int MAX_MERGES = 1_000;

    private static final String STANDARD_TAG_PREFIX = "tag:yaml.org,2002:";
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+(_[0-9]+)*");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");

    private final String source;
    private int merges;

    RegistryNodes(String source) {
        this.source = Objects.requireNonNull(source, "sourceName");
    }

    /** Hands a value to a builder setter; a value the builder rejects is reported at the node it was read from. */
    <T> void set(Node node, String path, T value, Consumer<T> setter) {
        try {
            setter.accept(value);
        } catch (InvalidConfigurationException e) {
            throw fail(line(node), path, reason(e), e);
        }
    }

    /**
     * The entries of a map by key text, in file order. Rejects keys that are not text, keys outside {@code allowed}
     * (unless it is null) and keys that appear twice — SnakeYAML's own duplicate check runs only when constructing
     * objects, which this parser never does. Merge keys ({@code <<: *defaults}) add the entries of the maps they name
     * unless the map sets the key itself.
     */
    Map<String, NodeTuple> entries(MappingNode map, String path, List<String> allowed) {
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
                throw fail(line(keyNode), keyPath, KeyHints.unknownKey(key, allowed));
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

    private static String mergePath(String path) {
        return path.isEmpty() ? "<<" : path + ".<<";
    }

    MappingNode map(Node node, String path) {
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

    <E extends Enum<E>> E choice(Node node, String path, E[] values) {
        List<String> names = Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList();
        String expected = "one of " + String.join(", ", names);
        String text = scalar(node, path, expected);
        int index = names.indexOf(text.toLowerCase(Locale.ROOT));
        if (index < 0) {
            throw fail(line(node), path, "must be " + expected + ", was " + quote(text));
        }
        return values[index];
    }

    int intValue(Node node, String path) {
        return (int) integer(node, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * A whole number in decimal, {@code _} allowed between digits ({@code 10_000}), within the Java type's range;
     * the field's own bounds are the builder's to check.
     */
    long integer(Node node, String path, long min, long max) {
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

    double decimal(Node node, String path) {
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

    Duration duration(Node node, String path) {
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

    static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    static String describe(Node node) {
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

    static int line(Node node) {
        return line(node.getStartMark());
    }

    static int line(Mark mark) {
        return mark == null ? 0 : mark.getLine() + 1;
    }

    RegistryFileException fail(int line, String field, String reason) {
        return RegistryFileException.at(source, line, field, reason);
    }

    RegistryFileException fail(int line, String field, String reason, Throwable cause) {
        return RegistryFileException.at(source, line, field, reason, cause);
    }

    /** The builder's message without its "invalid configuration: field " prefix, which the file error restates. */
    static String reason(InvalidConfigurationException e) {
        String prefix = "invalid configuration: " + e.field() + " ";
        String message = e.getMessage();
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
