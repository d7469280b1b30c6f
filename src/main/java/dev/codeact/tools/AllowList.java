package dev.codeact.tools;

import dev.codeact.config.ToolsConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which of the gateway's tools each principal may call ({@code codeact.tools.allow}): globs over
 * the tools' Python names ({@code *} any run of characters, {@code ?} one), per principal, and
 * {@code fallback} for every principal not listed; {@code none} matches nothing.
 */
record AllowList(Map<String, List<Pattern>> byPrincipal, List<Pattern> fallback) {

    private static final String NONE = "none";

    static AllowList of(ToolsConfig config) {
        return of(config.allow(), config.defaultAllow());
    }

    static AllowList of(Map<String, List<String>> byPrincipal, List<String> fallback) {
        Map<String, List<Pattern>> compiled = new HashMap<>();
        byPrincipal.forEach((principal, globs) -> compiled.put(principal, patterns(globs)));
        return new AllowList(Map.copyOf(compiled), patterns(fallback));
    }

    boolean allows(String principal, String tool) {
        return byPrincipal.getOrDefault(principal, fallback).stream().anyMatch(p -> p.matcher(tool).matches());
    }

    private static List<Pattern> patterns(List<String> globs) {
        return globs.stream().filter(glob -> !NONE.equals(glob)).map(AllowList::glob).toList();
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString());
    }
}
