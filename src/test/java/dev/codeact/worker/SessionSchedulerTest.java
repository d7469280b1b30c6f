package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.worker.SessionScheduler.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionSchedulerTest {

    final SessionScheduler<String> scheduler = new SessionScheduler<>(3);

    @Test
    void oneJobAtATimePerSessionInTheOrderTheyCame() {
        assertEquals(Kind.START, scheduler.admit("j1", "s", "job 1").kind());
        assertEquals(Kind.QUEUED, scheduler.admit("j2", "s", "job 2").kind());
        assertEquals(Kind.QUEUED, scheduler.admit("j3", "s", "job 3").kind());
        assertEquals("job 2", scheduler.finish("j1", "s", "job 1"));
        assertEquals("job 3", scheduler.finish("j2", "s", "job 2"));
        assertNull(scheduler.finish("j3", "s", "job 3"));
        assertEquals(0, scheduler.size());
        assertEquals(Kind.START, scheduler.admit("j4", "s", "job 4").kind(), "an idle session starts at once again");
    }

    @Test
    void sessionsRunSideBySide() {
        assertEquals(Kind.START, scheduler.admit("a1", "a", "a 1").kind());
        assertEquals(Kind.START, scheduler.admit("b1", "b", "b 1").kind());
        assertEquals(2, scheduler.size());
    }

    @Test
    void aSecondDeliveryOfAJobIsIgnored() {
        scheduler.admit("j1", "s", "job 1");
        assertEquals(Kind.DUPLICATE, scheduler.admit("j1", "s", "job 1 again").kind());
        assertEquals(List.of("job 1"), scheduler.all());
    }

    @Test
    void aCancelBeforeItsJobIsRememberedOnce() {
        assertNull(scheduler.cancel("j1"));
        assertFalse(scheduler.admit("j0", "s", "job 0").cancelledEarly(), "another job's cancel is not this one's");
        assertTrue(scheduler.admit("j1", "s", "job 1").cancelledEarly());
        assertFalse(scheduler.admit("j1", "s", "job 1 again").cancelledEarly(), "a second delivery is a duplicate, not cancelled twice");
        assertEquals("job 1", scheduler.cancel("j1"), "a cancel of a job that is here names it");
    }

    @Test
    void onlyTheLatestEarlyCancelsAreRemembered() {
        for (int i = 1; i <= 4; i++) {
            scheduler.cancel("j" + i);
        }
        assertFalse(scheduler.admit("j1", "s", "job 1").cancelledEarly(), "the oldest of four is forgotten (three remembered)");
        assertTrue(scheduler.admit("j4", "s", "job 4").cancelledEarly());
    }

    @Test
    void afterAFenceAFinishingJobIsNotCountedAndStartsNothing() {
        scheduler.admit("j1", "s", "job 1");
        scheduler.admit("j2", "s", "job 2");
        assertEquals(List.of("job 1", "job 2"), scheduler.clear().stream().sorted().toList());
        assertNull(scheduler.finish("j1", "s", "job 1"));
        assertEquals(0, scheduler.size());
    }

    @Test
    void aJobTakenBackAfterAFenceIsADifferentRun() {
        scheduler.admit("j1", "s", "run 1");
        scheduler.clear();
        assertEquals(Kind.START, scheduler.admit("j1", "s", "run 2").kind());
        assertNull(scheduler.finish("j1", "s", "run 1"),
                "the abandoned run's end neither counts nor removes the new run");
        assertEquals(1, scheduler.size());
        assertTrue(scheduler.any("run 2"::equals));
    }
}
