package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.worker.SessionScheduler.Admission;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionSchedulerTest {

    final SessionScheduler<String> scheduler = new SessionScheduler<>(3);

    @Test
    void oneJobAtATimePerSessionInTheOrderTheyCame() {
        assertEquals(Admission.START, scheduler.admit("j1", "s", "job 1"));
        assertEquals(Admission.QUEUED, scheduler.admit("j2", "s", "job 2"));
        assertEquals(Admission.QUEUED, scheduler.admit("j3", "s", "job 3"));
        assertEquals("job 2", scheduler.finish("j1", "s", "job 1"));
        assertEquals("job 3", scheduler.finish("j2", "s", "job 2"));
        assertNull(scheduler.finish("j3", "s", "job 3"));
        assertEquals(0, scheduler.size());
        assertEquals(Admission.START, scheduler.admit("j4", "s", "job 4"), "an idle session starts at once again");
    }

    @Test
    void sessionsRunSideBySide() {
        assertEquals(Admission.START, scheduler.admit("a1", "a", "a 1"));
        assertEquals(Admission.START, scheduler.admit("b1", "b", "b 1"));
        assertEquals(2, scheduler.size());
    }

    @Test
    void aSecondDeliveryOfAJobIsIgnored() {
        scheduler.admit("j1", "s", "job 1");
        assertEquals(Admission.DUPLICATE, scheduler.admit("j1", "s", "job 1 again"));
        assertEquals(List.of("job 1"), scheduler.all());
    }

    @Test
    void aCancelBeforeItsJobIsRememberedOnce() {
        assertNull(scheduler.cancel("j1"));
        scheduler.admit("j1", "s", "job 1");
        assertTrue(scheduler.takeEarlyCancel("j1"));
        assertFalse(scheduler.takeEarlyCancel("j1"));
        assertEquals("job 1", scheduler.cancel("j1"), "a cancel of a job that is here names it");
    }

    @Test
    void onlyTheLatestEarlyCancelsAreRemembered() {
        for (int i = 1; i <= 4; i++) {
            scheduler.cancel("j" + i);
        }
        assertFalse(scheduler.takeEarlyCancel("j1"), "the oldest of four is forgotten (three remembered)");
        assertTrue(scheduler.takeEarlyCancel("j4"));
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
        assertEquals(Admission.START, scheduler.admit("j1", "s", "run 2"));
        assertNull(scheduler.finish("j1", "s", "run 1"),
                "the abandoned run's end neither counts nor removes the new run");
        assertEquals(1, scheduler.size());
        assertTrue(scheduler.any("run 2"::equals));
    }
}
