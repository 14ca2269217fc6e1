package io.seqtrack.processor.config;

import java.util.List;
import java.util.Locale;

/** The hint for a key the file may not use: the allowed keys, and the one it most likely meant. */
final class KeyHints {

    private KeyHints() {
    }

    static String unknownKey(String key, List<String> allowed) {
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
}
