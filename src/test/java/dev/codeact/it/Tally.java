package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Counts two kinds of tests and how they ended, for bin/test to print at the end of a run (and to
 * write into docs/reliability.md): escape and abuse attempts (tag {@code abuse}: contained or not,
 * target/abuse-report.txt) and injected faults (tag {@code fault}: processes killed or paused, Redis
 * killed; target/fault-report.txt). A test adds what it compared with {@link #audit} or {@link #note}.
 */
public class Tally implements TestWatcher {

    /** What the running test compared, printed after its outcome; tests run one at a time per JVM. */
    private static volatile String note = "";

    /** Adds a line of figures (what was sent, compared, found) to the running test's entry. */
    static void note(String text) {
        note = note.isEmpty() ? text : note + "; " + text;
    }

    /**
     * Compares what a client saw live with what the store gives back, event by event (by seq;
     * connection-only events, seq 0, are not stored): notes how many were checked, lost and
     * duplicated, and fails unless both are 0. A seq that comes back twice, or names another event
     * than the one seen live, is a duplicate; a seq inside a range the store declares lost (an
     * {@code events_lost} event) is counted apart, as the contract allows when a gateway dies.
     */
    static void audit(List<JsonNode> live, List<JsonNode> stored) {
        Map<Long, JsonNode> bySeq = new HashMap<>();
        List<long[]> declared = new ArrayList<>();
        int duplicated = 0;
        for (JsonNode event : stored) {
            if (bySeq.put(event.get("seq").asLong(), event) != null) {
                duplicated++;
            }
            if ("events_lost".equals(event.path("type").asText())) {
                declared.add(new long[] {event.get("from").asLong(), event.get("to").asLong()});
            }
        }
        int checked = 0;
        int lost = 0;
        int told = 0;
        for (JsonNode event : live) {
            long seq = event.get("seq").asLong();
            if (seq == 0) {
                continue;
            }
            checked++;
            JsonNode kept = bySeq.get(seq);
            if (declared.stream().anyMatch(range -> range[0] <= seq && seq <= range[1])) {
                told++;
            } else if (kept == null) {
                lost++;
            } else if (!kept.equals(event)) {
                duplicated++;
            }
        }
        if (told > 0) {
            note("events never stored and declared lost " + told);
        }
        counted("events", checked, lost, duplicated);
    }

    /**
     * Replays the session from seq 0 (up to the last seq seen live) and audits it against what was
     * seen live. Writes retried after an outage may still be on their way: replays until every seq
     * seen live is there, for at most 30 s.
     */
    static void auditReplay(String sessionUri, List<JsonNode> live) throws InterruptedException {
        long last = live.stream().mapToLong(e -> e.get("seq").asLong()).max().orElseThrow();
        List<JsonNode> stored = WsClient.replay(sessionUri, last);
        for (int i = 0; i < 150 && stored.stream().filter(e -> e.get("seq").asLong() > 0).count()
                < live.stream().filter(e -> e.get("seq").asLong() > 0).count(); i++) {
            Thread.sleep(200);
            stored = WsClient.replay(sessionUri, last);
        }
        audit(live, stored);
    }

    /** Compares the lines the code printed with the lines that arrived, in order. */
    static void auditLines(String expected, String arrived) {
        List<String> want = expected.lines().toList();
        List<String> got = arrived.lines().toList();
        long lost = want.stream().filter(line -> !got.contains(line)).count();
        long duplicated = got.size() - got.stream().distinct().count();
        counted("output lines", want.size(), (int) lost, (int) duplicated);
        assertEquals(expected, arrived, "every line once, in order");
    }

    private static void counted(String what, int checked, int lost, int duplicated) {
        note(what + " checked " + checked + ", lost " + lost + ", duplicated " + duplicated);
        assertTrue(checked > 0, "something to check");
        assertEquals(0, lost, what + " lost");
        assertEquals(0, duplicated, what + " duplicated");
    }

    private record Kind(Path report, String held, String broken) {}

    private static final Map<String, Kind> KINDS = Map.of(
            "abuse", new Kind(Path.of("target", "abuse-report.txt"), "contained", "NOT CONTAINED"),
            "fault", new Kind(Path.of("target", "fault-report.txt"), "held", "NOT HELD"));

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, true);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        record(context, false);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        record(context, null);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        record(context, null);
    }

    private static void record(ExtensionContext context, Boolean held) {
        try {
            KINDS.forEach((tag, kind) -> write(context, held, tag, kind));
        } finally {
            note = "";
        }
    }

    private static void write(ExtensionContext context, Boolean held, String tag, Kind kind) {
        if (!context.getTags().contains(tag)) {
            return;
        }
        String outcome = held == null ? "not run" : held ? kind.held() : kind.broken();
        String figures = note.isEmpty() ? "" : "\t" + note;
        try {
            Files.createDirectories(kind.report().getParent());
            Files.writeString(kind.report(), outcome + "\t" + context.getRequiredTestClass().getSimpleName() + "."
                    + context.getDisplayName().replace("()", "") + figures + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
