package dev.codeact.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's latest events, for the live connections (an event is sent once stored) and for
 * clients that resume, and the seq ranges that hold no event (gaps: logs written by versions that
 * skipped seqs after a crash, see events_lost). It keeps at most {@code capacity} events and {@code maxBytes} of JSON,
 * but an event leaves only once Redis stored it: a resume finds it nowhere else. It decides how a
 * client catches up: from here, or first from the stored log. Not thread-safe: its session's context.
 */
final class ReplayBuffer {

    record Logged(long seq, String json) {}

    /**
     * How a client that saw every event up to a cursor catches up, one bounded batch at a time, so
     * a long catch-up neither holds its event loop nor floods the client's connection.
     */
    sealed interface Plan {
        /** These buffered events; then live when {@code complete}, else plan again once they are sent. */
        record FromBuffer(List<Logged> events, boolean complete) implements Plan {}

        /** First the stored events {@code from < seq <= to}, {@code expected} of them (gaps hold none), then plan again. */
        record FromStore(long from, long to, long expected) implements Plan {}
    }

    /** How much one step of a catch-up takes at most (at least one event, whatever its size). */
    record Batch(int events, long bytes) {}

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

    /** How a client that has every event up to {@code cursor} catches up to {@code upTo}. */
    Plan plan(long cursor, long upTo, Batch batch) {
        Logged first = recent.peekFirst();
        if (cursor >= upTo || (first != null && first.seq() <= nextSeq(cursor))) {
            List<Logged> after = new ArrayList<>();
            long taken = 0;
            for (Logged l : recent) {
                if (l.seq() <= cursor) {
                    continue;
                }
                if (l.seq() > upTo) {
                    break;
                }
                if (!after.isEmpty() && (after.size() >= batch.events() || taken + l.json().length() > batch.bytes())) {
                    return new Plan.FromBuffer(after, false);
                }
                after.add(l);
                taken += l.json().length();
            }
            return new Plan.FromBuffer(after, true);
        }
        // Older than the buffer: those events were evicted only after Redis stored them.
        long to = Math.min(first == null ? upTo : first.seq() - 1, cursor + batch.events());
        long expected = (to - cursor) - gaps.stream().mapToLong(g -> g.overlap(cursor, to)).sum();
        return new Plan.FromStore(cursor, to, expected);
    }

    /** The buffered events {@code from < seq <= to}, in order (the newest: they are found from the end). */
    List<Logged> between(long from, long to) {
        ArrayDeque<Logged> found = new ArrayDeque<>();
        var newestFirst = recent.descendingIterator();
        while (newestFirst.hasNext()) {
            Logged l = newestFirst.next();
            if (l.seq() <= from) {
                break;
            }
            if (l.seq() <= to) {
                found.addFirst(l);
            }
        }
        return new ArrayList<>(found);
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
