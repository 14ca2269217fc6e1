package io.seqtrack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.seqtrack.core.domain.AggregateKey;
import java.util.Arrays;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The Redis key encoding, property-tested: distinct aggregates never share a (key, field) pair, and every key of one
 * aggregate lives in one Cluster slot — whatever characters the domain and id contain.
 */
class KeyLayoutProperties {

    private final KeyLayout layout = new KeyLayout("seqtrack", 65_536);

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> tricky = Arbitraries.of("{", "}", ":", "%", " ", "\n", "\0", "\u0001", "{x}", "%7B", "ü", "🙂");
        Arbitrary<String> any = Arbitraries.strings().ofMinLength(1).ofMaxLength(40)
                .filter(t -> !t.isBlank() && wellFormed(t));
        Arbitrary<String> uuids = Arbitraries.randomValue(r -> new UUID(r.nextLong(), r.nextLong()).toString());
        Arbitrary<String> mixed = Arbitraries.oneOf(any, tricky.list().ofMinSize(1).ofMaxSize(6)
                .map(parts -> String.join("", parts)).filter(t -> !t.isBlank()));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, mixed), net.jqwik.api.Tuple.of(2, uuids),
                net.jqwik.api.Tuple.of(2, uuids.map(String::toUpperCase)));
    }

    @Property(tries = 2000)
    void distinctAggregatesNeverShareKeyAndField(@ForAll("texts") String domainA, @ForAll("texts") String idA,
            @ForAll("texts") String domainB, @ForAll("texts") String idB) {
        Assume.that(domainA.length() <= 64 && domainB.length() <= 64);
        AggregateKey a = AggregateKey.of(domainA, idA);
        AggregateKey b = AggregateKey.of(domainB, idB);
        Assume.that(!a.equals(b));
        boolean sameKey = Arrays.equals(layout.keys(a)[0], layout.keys(b)[0]);
        boolean sameField = Arrays.equals(KeyLayout.field(idA), KeyLayout.field(idB));
        assertThat(sameKey && sameField).as("%s and %s collide", a, b).isFalse();
    }

    @Property(tries = 2000)
    void fieldEncodingIsInjectiveOnIds(@ForAll("texts") String idA, @ForAll("texts") String idB) {
        Assume.that(!idA.equals(idB));
        assertThat(KeyLayout.field(idA)).isNotEqualTo(KeyLayout.field(idB));
    }

    @Property(tries = 2000)
    void everyKeyOfOneAggregateSharesOneSlot(@ForAll("texts") String domain, @ForAll("texts") String id) {
        Assume.that(domain.length() <= 64);
        AggregateKey key = AggregateKey.of(domain, id);
        int slot = SlotHash.getSlot(layout.keys(key)[0]);
        assertThat(SlotHash.getSlot(layout.keys(key)[1])).isEqualTo(slot);
        for (byte[] bufferKey : layout.bufferKeys(key)) {
            assertThat(SlotHash.getSlot(bufferKey)).isEqualTo(slot);
        }
        assertThat(SlotHash.getSlot(new KeyLayout("seqtrack", 65_536).keys(key)[0])).as("stable").isEqualTo(slot);
    }

    private static boolean wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
