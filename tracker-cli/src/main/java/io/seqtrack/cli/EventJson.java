package io.seqtrack.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.processor.Event;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * One event per JSON line: {@code {"eventId":"e-1","domain":"user_account","aggregateId":"u-1","sequence":1,
 * "type":"UserCreated","payload":{...}}}; {@code aggregateVersion} may stand instead of {@code sequence}. The payload
 * travels as the bytes of its JSON text.
 */
final class EventJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** A line that is not a valid event; the message names the field. */
    static final class InvalidLineException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidLineException(String message) {
            super(message);
        }
    }

    /** A parsed line: the event, and the JSON object it came from (echoed in the outputs). */
    record Parsed(Event event, ObjectNode json) {
    }

    private EventJson() {
    }

    static Parsed parse(String line) throws InvalidLineException {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new InvalidLineException("malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidLineException("not a JSON object");
        }
        ObjectNode json = (ObjectNode) node;
        String domain = requiredText(json, "domain");
        String aggregateId = requiredText(json, "aggregateId");
        String eventId = optionalText(json, "eventId");
        String type = optionalText(json, "type");
        OptionalLong sequence = optionalLong(json, "sequence");
        OptionalLong version = optionalLong(json, "aggregateVersion");
        JsonNode payload = json.get("payload");
        byte[] bytes = payload == null || payload.isNull() ? new byte[0]
                : payload.toString().getBytes(StandardCharsets.UTF_8);
        return new Parsed(new Event(eventId, domain, aggregateId, sequence, version, type, bytes), json);
    }

    /** The JSON of an event restored from the buffer (parked or pending), payload parsed back when it is JSON. */
    static ObjectNode toJson(AggregateKey key, BufferedEvent event, String sequenceField) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("eventId", event.eventId());
        json.put("domain", key.domain());
        json.put("aggregateId", key.aggregateId());
        json.put(sequenceField, event.sequence());
        json.put("type", event.type());
        byte[] payload = event.payload();
        if (payload.length > 0) {
            try {
                json.set("payload", MAPPER.readTree(payload));
            } catch (java.io.IOException notJson) {
                json.put("payloadBase64", java.util.Base64.getEncoder().encodeToString(payload));
            }
        }
        return json;
    }

    static String write(JsonNode json) {
        try {
            return MAPPER.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static String requiredText(ObjectNode json, String field) throws InvalidLineException {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw new InvalidLineException("missing field '" + field + "'");
        }
        if (!value.isTextual()) {
            throw new InvalidLineException("field '" + field + "' must be a string, was " + value.getNodeType());
        }
        return value.asText();
    }

    private static String optionalText(ObjectNode json, String field) throws InvalidLineException {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw new InvalidLineException("field '" + field + "' must be a string, was " + value.getNodeType());
        }
        return value.asText();
    }

    private static OptionalLong optionalLong(ObjectNode json, String field) throws InvalidLineException {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return OptionalLong.empty();
        }
        if (!value.isIntegralNumber()) {
            throw new InvalidLineException("field '" + field + "' must be an integer, was "
                    + (value.isNumber() ? "a fractional number " + value : value.getNodeType() + " " + value));
        }
        if (!value.canConvertToLong()) {
            throw new InvalidLineException("field '" + field + "' is out of range: " + value);
        }
        return OptionalLong.of(value.asLong());
    }
}
