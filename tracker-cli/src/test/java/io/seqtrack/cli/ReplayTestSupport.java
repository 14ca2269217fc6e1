package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Runs {@code tracker replay} in-process and reads what it wrote. */
final class ReplayTestSupport {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private ReplayTestSupport() {
    }

    /** The exit code and what the command printed. */
    record Result(int exitCode, String out, String err) {
    }

    /** Where a replay writes, under one directory. */
    record Outputs(Path processed, Path parked, Path rejected, Path summary) {
        static Outputs in(Path dir) {
            return new Outputs(dir.resolve("processed.jsonl"), dir.resolve("parked.jsonl"),
                    dir.resolve("rejected.jsonl"), dir.resolve("summary.json"));
        }

        List<String> args() {
            return List.of("--processed", processed.toString(), "--parked", parked.toString(),
                    "--rejected", rejected.toString(), "--summary", summary.toString());
        }

        List<JsonNode> processedLines() {
            return readLines(processed);
        }

        List<JsonNode> parkedLines() {
            return readLines(parked);
        }

        List<JsonNode> rejectedLines() {
            return readLines(rejected);
        }

        JsonNode summaryJson() {
            try {
                return MAPPER.readTree(summary.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Result tracker(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = TrackerCli.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code tracker replay --events FILE <outputs> <more args>}. */
    static Result replay(Path events, Outputs outputs, String... more) {
        List<String> args = new ArrayList<>(List.of("replay", "--events", events.toString()));
        args.addAll(outputs.args());
        args.addAll(Arrays.asList(more));
        return tracker(args.toArray(String[]::new));
    }

    /** An event line with a recognisable id and payload. */
    static String event(String domain, String aggregateId, long sequence) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("eventId", domain + "/" + aggregateId + "#" + sequence);
        json.put("domain", domain);
        json.put("aggregateId", aggregateId);
        json.put("sequence", sequence);
        json.put("type", "Changed");
        json.putObject("payload").put("n", sequence).put("note", "of " + aggregateId);
        return json.toString();
    }

    static String user(String aggregateId, long sequence) {
        return event("user_account", aggregateId, sequence);
    }

    static Path write(Path dir, String name, String... lines) {
        try {
            return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> readLines(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.map(ReplayTestSupport::parse).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The summary's {@code lines} object: each received line's final fate, by name. */
    static Map<String, Long> lines(JsonNode summary) {
        Map<String, Long> fates = new LinkedHashMap<>();
        summary.get("lines").fields().forEachRemaining(f -> fates.put(f.getKey(), f.getValue().asLong()));
        return fates;
    }

    /**
     * The identity docs/cli.md states: every received line is in exactly one fate of {@code lines}, so they add up to
     * {@code received}. Returns the fates for further checks.
     */
    static Map<String, Long> assertBalanced(JsonNode summary) {
        Map<String, Long> fates = lines(summary);
        assertThat(fates).containsOnlyKeys("processed", "duplicate", "parked", "skipped", "rejected", "refused",
                "buffered", "takenByOtherWorker", "unfinished");
        assertThat(fates.values().stream().mapToLong(Long::longValue).sum())
                .as("the lines' fates %s add up to the %d lines received", fates, summary.get("received").asLong())
                .isEqualTo(summary.get("received").asLong());
        return fates;
    }

    /** {@code domain/aggregateId#sequence}, from an output line. */
    static String id(JsonNode line) {
        return line.get("domain").asText() + "/" + line.get("aggregateId").asText() + "#"
                + (line.has("sequence") ? line.get("sequence") : line.get("aggregateVersion")).asLong();
    }

    /** The shipped samples folder, found from the module's working directory upwards. */
    static Path samples() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("samples");
            if (Files.isRegularFile(candidate.resolve("events.jsonl"))) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no samples/events.jsonl above " + Path.of("").toAbsolutePath());
    }
}
