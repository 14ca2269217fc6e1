package io.seqtrack.core.domain;

/**
 * Identifies one aggregate: the pair of a domain name and an aggregate id. Two keys are the same aggregate exactly
 * when both components are equal; stores must keep that injective, so {@code ("a", "b:c")} and {@code ("a:b", "c")}
 * are different aggregates everywhere.
 *
 * <p>Any characters are allowed in both components (separators, braces, percent signs, spaces, control characters,
 * non-ASCII text); neither may be blank, their lengths are bounded so that a store key stays reasonable, and both must
 * be well-formed text (no unpaired UTF-16 surrogate, which has no UTF-8 encoding and would collide in a store).
 *
 * @param domain      the registered domain name, at most {@value #MAX_DOMAIN_LENGTH} characters
 * @param aggregateId the aggregate's id within the domain, at most {@value #MAX_AGGREGATE_ID_LENGTH} characters
 */
public record AggregateKey(String domain, String aggregateId) {

    /** The longest domain name accepted, in UTF-16 code units. */
    public static final int MAX_DOMAIN_LENGTH = 64;

    /** The longest aggregate id accepted, in UTF-16 code units. */
    public static final int MAX_AGGREGATE_ID_LENGTH = 1024;

    /**
     * Validates both components.
     *
     * @throws InvalidEventException naming {@code domain} or {@code aggregateId} when one is null, blank or too long
     */
    public AggregateKey {
        requireText("domain", domain, MAX_DOMAIN_LENGTH);
        requireText("aggregateId", aggregateId, MAX_AGGREGATE_ID_LENGTH);
    }

    /** Shorthand for {@code new AggregateKey(domain, aggregateId)}. */
    public static AggregateKey of(String domain, String aggregateId) {
        return new AggregateKey(domain, aggregateId);
    }

    private static void requireText(String field, String value, int maxLength) {
        if (value == null) {
            throw InvalidEventException.of(field, "is missing");
        }
        if (value.isBlank()) {
            throw InvalidEventException.of(field, "is blank");
        }
        if (value.length() > maxLength) {
            throw InvalidEventException.of(field,
                    "is " + value.length() + " characters long; at most " + maxLength + " are allowed");
        }
        int broken = unpairedSurrogate(value);
        if (broken >= 0) {
            // not text: it has no UTF-8 form, so a store would have to replace it and two ids could collide
            throw InvalidEventException.of(field, "contains an unpaired UTF-16 surrogate at index " + broken);
        }
    }

    /**
     * The index of the first unpaired UTF-16 surrogate in {@code value}, or {@code -1} if it is well-formed text. Shared
     * with the store's argument checks, which hold claim owners to the same rule.
     */
    public static int unpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return i;
            }
            if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The value a record's generated {@code hashCode} has ({@code 31 * domain.hashCode() + aggregateId.hashCode()}),
     * written out: the generated one goes through method handles that were about 6 % of a processor lane's time, and
     * keys are hashed several times per event (lane states, the stores' maps). Lanes are chosen from this value.
     */
    @Override
    public int hashCode() {
        return 31 * domain.hashCode() + aggregateId.hashCode();
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof AggregateKey other && aggregateId.equals(other.aggregateId)
                && domain.equals(other.domain);
    }

    /** {@code domain/aggregateId}, for messages and logs; not an encoding (it is not injective). */
    @Override
    public String toString() {
        return domain + "/" + aggregateId;
    }
}
