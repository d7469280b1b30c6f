package dev.codeact.worker;

import dev.codeact.contract.Clip;
import dev.codeact.contract.Display;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.FileOp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker's own limits on what one action sends, whatever the kernel says (the kernel runs
 * the untrusted code, which can call the kernel's send function directly): the output keeps its
 * head and tail within {@code maxChars}, only that head is streamed live, and rich displays stop at
 * {@code maxDisplayBytes} in all. The kernel applies the same limits politely first; this class is
 * the guard for when it does not. Not thread-safe: the caller serialises (one kernel reader thread).
 */
final class OutputGuard {

    /** Some output of one stream ({@code stdout} or {@code stderr}). */
    record Part(String stream, String text) {}

    private final int maxChars;
    private final int tailChars;
    private final long maxDisplayBytes;
    private final StringBuilder head = new StringBuilder();
    private final ArrayDeque<Part> tail = new ArrayDeque<>();
    private int tailSize;
    private long dropped;

    OutputGuard(int maxChars, long maxDisplayBytes) {
        this.maxChars = maxChars;
        this.tailChars = Math.min(4000, maxChars / 2);
        this.maxDisplayBytes = maxDisplayBytes;
    }

    /** Takes one chunk; returns the part of it to stream now (empty once past the head). */
    String accept(String stream, String text) {
        int room = maxChars - tailChars - head.length();
        if (room >= text.length()) {
            head.append(text);
            return text;
        }
        String now = room > 0 ? text.substring(0, room) : "";
        head.append(now);
        keepTail(stream, text.substring(now.length()));
        return now;
    }

    private void keepTail(String stream, String text) {
        if (text.length() >= tailChars) {
            dropped += tailSize + text.length() - tailChars;
            tail.clear();
            tail.add(new Part(stream, text.substring(text.length() - tailChars)));
            tailSize = tailChars;
            return;
        }
        tail.add(new Part(stream, text));
        tailSize += text.length();
        while (tailSize > tailChars) {
            Part first = tail.removeFirst();
            int excess = tailSize - tailChars;
            if (first.text().length() > excess) {
                tail.addFirst(new Part(first.stream(), first.text().substring(excess)));
                dropped += excess;
                tailSize -= excess;
            } else {
                dropped += first.text().length();
                tailSize -= first.text().length();
            }
        }
    }

    /** Whether anything was held back from the live stream (the tail, and what was dropped). */
    boolean cut() {
        return !tail.isEmpty();
    }

    /** The whole output of the action: head, then a marker and the tail when it was cut. */
    String output() {
        if (tail.isEmpty()) {
            return head.toString();
        }
        StringBuilder out = new StringBuilder(head);
        out.append(marker());
        tail.forEach(p -> out.append(p.text()));
        return out.toString();
    }

    /** What is streamed after the head when the action ends: the marker and the tail. */
    List<Part> ending() {
        List<Part> parts = new ArrayList<>();
        if (!tail.isEmpty()) {
            parts.add(new Part("stderr", marker()));
            parts.addAll(tail);
        }
        return parts;
    }

    long droppedChars() {
        return dropped;
    }

    private String marker() {
        return Clip.marker(dropped);
    }

    /** A text field (a value, a traceback) cut to the output limit, head and tail. */
    String clip(String text) {
        return Clip.headAndTail(text, maxChars);
    }

    /** At most {@link #MAX_FILES} of the files the kernel listed, those with a safe name and a size. */
    List<FileInfo> files(List<FileInfo> listed) {
        if (listed == null) {
            return null;
        }
        return listed.stream().filter(f -> f != null && FileOp.validName(f.name()) && f.size() >= 0).limit(MAX_FILES).toList();
    }

    /** Files of a working directory reported with a result; the kernel lists no more either. */
    static final int MAX_FILES = 200;

    /**
     * The displays that fit in {@code maxDisplayBytes} in all, in order, each reduced to the MIME
     * types clients know, with its text clipped like a value. A display without text gets an empty one.
     */
    List<Display> displays(List<Display> sent) {
        if (sent == null) {
            return List.of();
        }
        List<Display> kept = new ArrayList<>();
        long total = 0;
        for (Display display : sent) {
            if (display == null) {
                continue;
            }
            Map<String, String> data = new LinkedHashMap<>();
            display.data().forEach((mime, content) -> {
                if (content != null && Display.MIME_TYPES.contains(mime)) {
                    data.put(mime, mime.equals(Display.TEXT) ? clip(content) : content);
                }
            });
            data.putIfAbsent(Display.TEXT, "");
            Display clean = new Display(Display.VALUE.equals(display.kind()) ? Display.VALUE : Display.DISPLAY, data);
            if (total + clean.size() <= maxDisplayBytes) {
                kept.add(clean);
                total += clean.size();
            }
        }
        return kept;
    }
}
