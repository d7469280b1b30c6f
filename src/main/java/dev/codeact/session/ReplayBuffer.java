package dev.codeact.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's latest events, for clients that resume, and the seq ranges that hold no event
 * (gaps, see events_lost). It keeps at most {@code capacity} events and {@code maxBytes} of JSON,
 * but an event leaves only once Redis stored it: a resume finds it nowhere else. It decides how a
 * client catches up: from here, or first from the stored log. Not thread-safe: its session's context.
 */
final class ReplayBuffer {

    record Logged(long seq, String json) {}

    /** How a client that saw every event up to a cursor catches up. */
    sealed interface Plan {
        /** These buffered events, then live. */
        record FromBuffer(List<Logged> events) implements Plan {}

        /** First the stored events {@code from < seq <= to}, {@code expected} of them (gaps hold none), then plan again. */
        record FromStore(long from, long to, long expected) implements Plan {}
    }

    private final int capacity;
    private final long maxBytes;
    private final ArrayDeque<Logged> recent = new ArrayDeque<>();
    private final List<SessionStore.Gap> gaps;
    private long bytes;

    ReplayBuffer(int capacity, long maxBytes, List<SessionStore.Gap> gaps) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.gaps = new ArrayList<>(gaps);
    }

    void add(long seq, String json, long stored) {
        recent.addLast(new Logged(seq, json));
        bytes += json.length();
        trim(stored);
    }

    /** Redis stored every event up to {@code stored}: what is over the limits may go. */
    void trim(long stored) {
        while ((recent.size() > capacity || bytes > maxBytes) && !recent.isEmpty() && recent.peekFirst().seq() <= stored) {
            bytes -= recent.removeFirst().json().length();
        }
    }

    void addGap(SessionStore.Gap gap) {
        gaps.add(gap);
    }

    Plan plan(long cursor, long lastSeq) {
        Logged first = recent.peekFirst();
        if (cursor >= lastSeq || (first != null && first.seq() <= nextSeq(cursor))) {
            List<Logged> after = new ArrayList<>();
            for (Logged l : recent) {
                if (l.seq() > cursor) {
                    after.add(l);
                }
            }
            return new Plan.FromBuffer(after);
        }
        // Older than the buffer: those events were evicted only after Redis stored them.
        long to = first == null ? lastSeq : first.seq() - 1;
        long expected = (to - cursor) - gaps.stream().mapToLong(g -> g.overlap(cursor, to)).sum();
        return new Plan.FromStore(cursor, to, expected);
    }

    /** The seq after {@code seq} that can hold an event (gaps hold none). */
    private long nextSeq(long seq) {
        long next = seq + 1;
        for (SessionStore.Gap gap : gaps) {
            if (next >= gap.from() && next <= gap.to()) {
                next = gap.to() + 1;
            }
        }
        return next;
    }
}
