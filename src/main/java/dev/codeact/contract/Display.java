package dev.codeact.contract;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Rich output of an action, like Jupyter's display data: one object in several renderings, keyed
 * by MIME type. Text renderings are the text itself; {@code image/png} and {@code image/jpeg} are
 * base64. {@code text/plain} is always there: it is what the model reads, while a client shows the
 * richest rendering it can. The HTML, SVG and markdown come from the sandboxed code, so a client
 * must treat them as untrusted.
 *
 * @param kind {@value #VALUE} for the cell's trailing expression (its text is also the result's
 *             {@code value}), {@value #DISPLAY} for what the code displayed ({@code display(obj)},
 *             open matplotlib figures)
 * @param data MIME type to content
 */
public record Display(@Required String kind, @Required Map<String, String> data) {

    public static final String DISPLAY = "display";
    public static final String VALUE = "value";
    public static final String TEXT = "text/plain";
    /** The renderings passed on; others are dropped by the worker. */
    public static final Set<String> MIME_TYPES = Set.of(TEXT, "text/markdown", "text/html", "text/latex",
            "image/svg+xml", "image/png", "image/jpeg");

    public Display {
        data = data == null ? Map.of() : data;
    }

    public String text() {
        return data.getOrDefault(TEXT, "");
    }

    /** The renderings beyond text, e.g. {@code image/png}. */
    public Set<String> rich() {
        return data.keySet().stream().filter(mime -> !mime.equals(TEXT)).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Bytes of content (base64 images counted decoded), for the per-action budget. */
    public long size() {
        return data.entrySet().stream().mapToLong(e -> e.getValue() == null ? 0
                : e.getKey().startsWith("image/") && !e.getKey().equals("image/svg+xml") ? e.getValue().length() * 3L / 4
                : e.getValue().length()).sum();
    }
}
