package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.contract.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What runs in a session, routed by job id (the turns themselves are TurnTest's; results reaching
 * a running turn are the real-parts tier's, CodeActTurnTest and ExecuteApiTest).
 */
class RunningTest {

    final Running running = new Running(4);

    static Result chunk(String job, String text) {
        return Result.chunk("s", job, "w", "stdout", text);
    }

    @Test
    void turnsAreNumberedOnFromTheStoredOnes() {
        List<Integer> numbers = new ArrayList<>();
        running.startTurn(n -> {
            numbers.add(n);
            return null;
        });
        running.startTurn(n -> {
            numbers.add(n);
            return null;
        });
        assertEquals(List.of(5, 6), numbers, "a session loaded with 4 turns goes on with turn 5");
    }

    @Test
    void anExecutionGetsItsOwnResultsOnlyUntilForgotten() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        running.expect("x-a", r -> a.add(((Result.Chunk) r).text()));
        running.expect("x-b", r -> b.add(((Result.Chunk) r).text()));
        running.onResult(chunk("x-a", "1"));
        running.onResult(chunk("x-b", "2"));
        running.onResult(chunk("x-other", "lost"));
        running.forget("x-a");
        running.onResult(chunk("x-a", "late"));
        assertEquals(List.of("1"), a);
        assertEquals(List.of("2"), b);
        assertTrue(running.expects("x-b"));
        assertFalse(running.expects("x-a"));
    }

    @Test
    void theSessionIsBusyWhileAnyExecutionRuns() {
        assertFalse(running.any());
        running.expect("x-a", r -> { });
        assertTrue(running.any());
        assertFalse(running.turnRunning(), "an execution is not a turn: a user_message may start one");
        running.forget("x-a");
        assertFalse(running.any());
        assertNull(running.turn());
    }
}
