package dev.codeact.session;

import dev.codeact.agent.Turn;
import dev.codeact.contract.Result;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * What runs in a session: at most one turn, and the executions of the sessions API by job id. A
 * job's results are routed to whichever of them submitted it. On the session's context only.
 */
final class Running {

    private Turn turn;
    /** The number of the session's last turn. */
    private int turns;
    /** Code run through the sessions API, by job id: their results do not belong to a turn. */
    private final Map<String, Consumer<Result>> executions = new HashMap<>();

    Running(int turns) {
        this.turns = turns;
    }

    boolean turnRunning() {
        return turn != null;
    }

    /** The running turn, or null. */
    Turn turn() {
        return turn;
    }

    /** Numbers the next turn and makes it the running one. */
    Turn startTurn(IntFunction<Turn> create) {
        turn = create.apply(++turns);
        return turn;
    }

    /** Whether {@code ended} was the running turn (now none runs). */
    boolean turnEnded(Turn ended) {
        if (turn != ended) {
            return false;
        }
        turn = null;
        return true;
    }

    void onResult(Result result) {
        Consumer<Result> execution = executions.get(result.jobId());
        if (execution != null) {
            execution.accept(result);
        } else if (turn != null) {
            turn.onResult(result);
        }
    }

    /** No result can be read for {@code seconds} (Redis unreachable): the turn's action may fail for it. */
    void resultsUnreachable(long seconds) {
        if (turn != null) {
            turn.resultsUnreachable(seconds);
        }
    }

    /** Results of job {@code jobId} (an execution of the sessions API) go to {@code sink} until {@link #forget}. */
    void expect(String jobId, Consumer<Result> sink) {
        executions.put(jobId, sink);
    }

    boolean expects(String jobId) {
        return executions.containsKey(jobId);
    }

    void forget(String jobId) {
        executions.remove(jobId);
    }

    /** A turn or an execution of the sessions API is running. */
    boolean any() {
        return turn != null || !executions.isEmpty();
    }
}
