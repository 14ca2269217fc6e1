package io.seqtrack.processor.config;

import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.composer.ComposerException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * The YAML syntax of a registry file: composed into a node tree and never constructed into objects, so no type named
 * in the file is ever instantiated and every node keeps the line it came from; within limits that bound what a hostile
 * or mistaken file can cost; syntax errors reported at their line.
 */
final class RegistryYaml {

    /** A registry is small; these bound what a hostile or mistaken file can cost. */
    static final int MAX_CODE_POINTS = 1 << 20;
    private static final int MAX_ALIASES = 50;
    private static final int MAX_NESTING = 16;

    private final RegistryNodes nodes;

    RegistryYaml(RegistryNodes nodes) {
        this.nodes = nodes;
    }

    Node compose(String yaml) {
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
                throw nodes.fail(RegistryNodes.line(e.getProblemMark()), "",
                        "holds more than one YAML document; expected one", e);
            }
            throw syntaxError(e);
        } catch (MarkedYAMLException e) {
            throw syntaxError(e);
        } catch (ReaderException e) {
            int line = 1 + (int) yaml.codePoints().limit(e.getPosition()).filter(c -> c == '\n').count();
            throw nodes.fail(line, "", String.format("invalid YAML: character U+%04X is not allowed",
                    e.getCodePoint()), e);
        } catch (YAMLException e) { // limits: code points, aliases
            throw nodes.fail(0, "", "invalid YAML: " + e.getMessage(), e);
        }
    }

    private RegistryFileException syntaxError(MarkedYAMLException e) {
        Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        StringBuilder reason = new StringBuilder("invalid YAML: ")
                .append(Objects.requireNonNullElse(e.getProblem(), e.getContext()));
        if (e.getProblem() != null && e.getContext() != null) {
            reason.append(" (").append(e.getContext());
            if (e.getContextMark() != null) {
                reason.append(" at line ").append(RegistryNodes.line(e.getContextMark()));
            }
            reason.append(')');
        }
        return nodes.fail(RegistryNodes.line(at), "", reason.toString(), e);
    }
}
