package io.seqtrack.processor.config;

import static io.seqtrack.processor.config.RegistryNodes.describe;
import static io.seqtrack.processor.config.RegistryNodes.isNull;
import static io.seqtrack.processor.config.RegistryNodes.line;
import static io.seqtrack.processor.config.RegistryNodes.reason;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.core.registry.SequenceSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Turns the text of one registry file into a {@link DomainRegistry}, or fails with the first problem as a
 * {@link RegistryFileException}. This class is the file's schema — the top level ({@code domains}), a domain's section
 * and its {@code retry} section, each handing its values to the core builders; {@link RegistryYaml} composes the YAML
 * (never constructing objects, so no type named in the file is instantiated) and {@link RegistryNodes} reads the nodes,
 * each error naming the file, the line and the field.
 */
final class RegistryParser {

    private static final List<String> TOP_KEYS = List.of("domains");
    private static final List<String> DOMAIN_KEYS = List.of("mode", "sequenceSource", "firstSequence", "leaseTtl",
            "gapTimeout", "gapPolicy", "maxBufferedPerAggregate", "retry");
    private static final List<String> RETRY_KEYS = List.of("maxAttempts", "initialBackoff", "maxBackoff", "multiplier",
            "jitter");

    private final RegistryNodes nodes;

    RegistryParser(String source) {
        this.nodes = new RegistryNodes(source);
    }

    DomainRegistry parse(String yaml) {
        Node root = new RegistryYaml(nodes).compose(yaml);
        if (root == null || isNull(root)) {
            throw nodes.fail(1, "domains", "is missing (the file is empty)");
        }
        if (!(root instanceof MappingNode rootMap)) {
            throw nodes.fail(line(root), "", "the file must hold a map with the key 'domains', was " + describe(root));
        }
        NodeTuple domains = nodes.entries(rootMap, "", TOP_KEYS).get("domains");
        if (domains == null) {
            throw nodes.fail(line(root), "domains", "is missing");
        }
        Node domainsNode = domains.getValueNode();
        Map<String, NodeTuple> byName = isNull(domainsNode) ? Map.of()
                : nodes.entries(nodes.map(domainsNode, "domains"), "domains", null);
        if (byName.isEmpty()) {
            throw nodes.fail(line(domains.getKeyNode()), "domains", "must register at least one domain");
        }
        List<DomainRegistration> registrations = new ArrayList<>();
        for (NodeTuple entry : byName.values()) {
            registrations.add(domain(entry));
        }
        try {
            return DomainRegistry.of(registrations);
        } catch (InvalidConfigurationException e) { // not expected: names are unique by now
            throw nodes.fail(line(domainsNode), "domains", reason(e), e);
        }
    }

    private DomainRegistration domain(NodeTuple entry) {
        String name = ((ScalarNode) entry.getKeyNode()).getValue(); // nodes.entries() admits scalar keys only
        String path = "domains." + name;
        DomainRegistration.Builder builder;
        try {
            builder = DomainRegistration.builder(name);
        } catch (InvalidConfigurationException e) {
            throw nodes.fail(line(entry.getKeyNode()), path, "invalid domain name: " + reason(e), e);
        }
        Node value = entry.getValueNode();
        if (isNull(value)) { // "company:" alone registers the domain with every default
            return builder.build();
        }
        for (Map.Entry<String, NodeTuple> field : nodes.entries(nodes.map(value, path), path, DOMAIN_KEYS).entrySet()) {
            Node node = field.getValue().getValueNode();
            String fieldPath = path + "." + field.getKey();
            switch (field.getKey()) {
                case "mode" -> nodes.set(node, fieldPath, nodes.choice(node, fieldPath, TrackingMode.values()),
                        builder::mode);
                case "sequenceSource" -> nodes.set(node, fieldPath,
                        nodes.choice(node, fieldPath, SequenceSource.values()), builder::sequenceSource);
                case "firstSequence" -> nodes.set(node, fieldPath,
                        nodes.integer(node, fieldPath, Long.MIN_VALUE, Long.MAX_VALUE), builder::firstSequence);
                case "leaseTtl" -> nodes.set(node, fieldPath, nodes.duration(node, fieldPath), builder::leaseTtl);
                case "gapTimeout" -> nodes.set(node, fieldPath, nodes.duration(node, fieldPath), builder::gapTimeout);
                case "gapPolicy" -> nodes.set(node, fieldPath, nodes.choice(node, fieldPath, GapPolicy.values()),
                        builder::gapPolicy);
                case "maxBufferedPerAggregate" -> nodes.set(node, fieldPath, nodes.intValue(node, fieldPath),
                        builder::maxBufferedPerAggregate);
                case "retry" -> nodes.set(node, fieldPath, retry(node, fieldPath), builder::retryPolicy);
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
        Map<String, NodeTuple> fields = nodes.entries(nodes.map(value, path), path, RETRY_KEYS);
        for (Map.Entry<String, NodeTuple> field : fields.entrySet()) {
            Node node = field.getValue().getValueNode();
            String fieldPath = path + "." + field.getKey();
            switch (field.getKey()) {
                case "maxAttempts" -> nodes.set(node, fieldPath, nodes.intValue(node, fieldPath), builder::maxAttempts);
                case "initialBackoff" -> nodes.set(node, fieldPath, nodes.duration(node, fieldPath),
                        builder::initialBackoff);
                case "maxBackoff" -> nodes.set(node, fieldPath, nodes.duration(node, fieldPath), builder::maxBackoff);
                case "multiplier" -> nodes.set(node, fieldPath, nodes.decimal(node, fieldPath), builder::multiplier);
                case "jitter" -> nodes.set(node, fieldPath, nodes.decimal(node, fieldPath), builder::jitter);
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
                throw nodes.fail(line(max.getValueNode()), path + ".maxBackoff", reason(e), e);
            }
            if (initial != null) {
                throw nodes.fail(line(initial.getValueNode()), path + ".initialBackoff", "must not be above maxBackoff "
                        + RetryPolicy.defaults().maxBackoff() + " (the default; set maxBackoff too)", e);
            }
            throw nodes.fail(line(value), path, reason(e), e);
        }
    }
}
