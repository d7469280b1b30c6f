package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codeact.session.ReplayBuffer.Plan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a resuming client catches up: from the buffer, or first from the stored log (gaps counted). */
class ReplayBufferTest {

    static final ReplayBuffer.Batch ALL = new ReplayBuffer.Batch(Integer.MAX_VALUE, Long.MAX_VALUE);

    static ReplayBuffer filled(int capacity, long from, long to, long stored, List<SessionStore.Gap> gaps) {
        ReplayBuffer buffer = new ReplayBuffer(capacity, Long.MAX_VALUE, gaps);
        for (long seq = from; seq <= to; seq++) {
            buffer.add(seq, "e" + seq, stored);
        }
        return buffer;
    }

    @Test
    void aLongCatchUpGoesInBatchesOfBoundedEventsAndBytes() {
        ReplayBuffer buffer = filled(100, 1, 10, 10, List.of());
        Plan first = buffer.plan(0, 10, new ReplayBuffer.Batch(4, Long.MAX_VALUE));
        assertEquals(List.of(1L, 2L, 3L, 4L), seqs(first));
        assertEquals(false, ((Plan.FromBuffer) first).complete());
        assertEquals(true, ((Plan.FromBuffer) buffer.plan(6, 10, new ReplayBuffer.Batch(4, Long.MAX_VALUE))).complete());
        assertEquals(List.of(1L, 2L), seqs(buffer.plan(0, 10, new ReplayBuffer.Batch(100, 5))), "two 2-byte events fit in 5 bytes");
        assertEquals(List.of(1L), seqs(buffer.plan(0, 10, new ReplayBuffer.Batch(100, 1))), "at least one, whatever its size");
        ReplayBuffer small = filled(3, 1, 10, 10, List.of());
        assertEquals(new Plan.FromStore(0, 4, 4), small.plan(0, 10, new ReplayBuffer.Batch(4, Long.MAX_VALUE)), "the store too");
    }

    static List<Long> seqs(Plan plan) {
        return ((Plan.FromBuffer) plan).events().stream().map(ReplayBuffer.Logged::seq).toList();
    }

    @Test
    void aClientWithinTheBufferGetsWhatItMissedFromIt() {
        ReplayBuffer buffer = filled(5, 1, 10, 10, List.of());
        assertEquals(List.of(8L, 9L, 10L), seqs(buffer.plan(7, 10, ALL)));
        assertEquals(List.of(6L, 7L, 8L, 9L, 10L), seqs(buffer.plan(5, 10, ALL)), "the buffer's first event is the next one");
        assertEquals(List.of(), seqs(buffer.plan(10, 10, ALL)), "up to date: nothing, then live");
    }

    @Test
    void aClientOlderThanTheBufferReadsTheStoredLogFirst() {
        ReplayBuffer buffer = filled(5, 1, 10, 10, List.of());
        assertEquals(new Plan.FromStore(2, 5, 3), buffer.plan(2, 10, ALL));
        assertEquals(new Plan.FromStore(0, 5, 5), buffer.plan(0, 10, ALL));
    }

    @Test
    void eventsNotYetStoredStayWhateverTheLimit() {
        ReplayBuffer buffer = filled(3, 1, 10, 4, List.of());
        assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L), seqs(buffer.plan(4, 10, ALL)), "5..10 are not stored: kept");
        buffer.trim(10);
        assertEquals(new Plan.FromStore(4, 7, 3), buffer.plan(4, 10, ALL), "once stored, the buffer shrinks to its limit");
    }

    @Test
    void aLimitInBytesTrimsToo() {
        ReplayBuffer buffer = new ReplayBuffer(100, 6, List.of());
        for (long seq = 1; seq <= 5; seq++) {
            buffer.add(seq, "e" + seq, 5);
        }
        assertEquals(List.of(3L, 4L, 5L), seqs(buffer.plan(2, 5, ALL)));
    }

    @Test
    void gapsHoldNoEventsSoTheyAreNeitherExpectedNorWaitedFor() {
        // Seqs 4..9 were skipped (events_lost): the buffer holds 10..12.
        SessionStore.Gap gap = new SessionStore.Gap(4, 9);
        ReplayBuffer buffer = filled(3, 10, 12, 12, List.of(gap));
        assertEquals(List.of(10L, 11L, 12L), seqs(buffer.plan(3, 12, ALL)), "after 3 the next seq that can hold an event is 10");
        assertEquals(new Plan.FromStore(1, 9, 2), buffer.plan(1, 12, ALL), "2 and 3 are stored; 4..9 hold nothing");
    }
}
