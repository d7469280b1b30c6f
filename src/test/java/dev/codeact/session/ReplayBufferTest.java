package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codeact.session.ReplayBuffer.Plan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a resuming client catches up: from the buffer, or first from the stored log (gaps counted). */
class ReplayBufferTest {

    static ReplayBuffer filled(int capacity, long from, long to, long stored, List<SessionStore.Gap> gaps) {
        ReplayBuffer buffer = new ReplayBuffer(capacity, Long.MAX_VALUE, gaps);
        for (long seq = from; seq <= to; seq++) {
            buffer.add(seq, "e" + seq, stored);
        }
        return buffer;
    }

    static List<Long> seqs(Plan plan) {
        return ((Plan.FromBuffer) plan).events().stream().map(ReplayBuffer.Logged::seq).toList();
    }

    @Test
    void aClientWithinTheBufferGetsWhatItMissedFromIt() {
        ReplayBuffer buffer = filled(5, 1, 10, 10, List.of());
        assertEquals(List.of(8L, 9L, 10L), seqs(buffer.plan(7, 10)));
        assertEquals(List.of(6L, 7L, 8L, 9L, 10L), seqs(buffer.plan(5, 10)), "the buffer's first event is the next one");
        assertEquals(List.of(), seqs(buffer.plan(10, 10)), "up to date: nothing, then live");
    }

    @Test
    void aClientOlderThanTheBufferReadsTheStoredLogFirst() {
        ReplayBuffer buffer = filled(5, 1, 10, 10, List.of());
        assertEquals(new Plan.FromStore(2, 5, 3), buffer.plan(2, 10));
        assertEquals(new Plan.FromStore(0, 5, 5), buffer.plan(0, 10));
    }

    @Test
    void eventsNotYetStoredStayWhateverTheLimit() {
        ReplayBuffer buffer = filled(3, 1, 10, 4, List.of());
        assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L), seqs(buffer.plan(4, 10)), "5..10 are not stored: kept");
        buffer.trim(10);
        assertEquals(new Plan.FromStore(4, 7, 3), buffer.plan(4, 10), "once stored, the buffer shrinks to its limit");
    }

    @Test
    void aLimitInBytesTrimsToo() {
        ReplayBuffer buffer = new ReplayBuffer(100, 6, List.of());
        for (long seq = 1; seq <= 5; seq++) {
            buffer.add(seq, "e" + seq, 5);
        }
        assertEquals(List.of(3L, 4L, 5L), seqs(buffer.plan(2, 5)));
    }

    @Test
    void gapsHoldNoEventsSoTheyAreNeitherExpectedNorWaitedFor() {
        // Seqs 4..9 were skipped (events_lost): the buffer holds 10..12.
        SessionStore.Gap gap = new SessionStore.Gap(4, 9);
        ReplayBuffer buffer = filled(3, 10, 12, 12, List.of(gap));
        assertEquals(List.of(10L, 11L, 12L), seqs(buffer.plan(3, 12)), "after 3 the next seq that can hold an event is 10");
        assertEquals(new Plan.FromStore(1, 9, 2), buffer.plan(1, 12), "2 and 3 are stored; 4..9 hold nothing");
    }
}
