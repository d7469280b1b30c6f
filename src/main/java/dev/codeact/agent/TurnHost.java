package dev.codeact.agent;

import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.Result;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ServerEvent;
import dev.codeact.tools.Toolbox;
import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * What a {@link Turn} needs from the session it runs in. The session implements it; the turn
 * knows nothing else of sessions (their storage, their clients, their registry).
 */
public interface TurnHost {

    /**
     * The most events a session may hold that Redis has not stored yet (they wait in memory, and
     * reach clients once stored). A turn stops ({@code storage}) before its session reaches it.
     */
    long UNSTORED_LIMIT = 10_000;

    String id();

    /** The principal the session belongs to (its kernels count against that principal's share). */
    String owner();

    /** Runs {@code action} on the session's context (its event loop), now when already there. */
    void run(Runnable action);

    /** Numbers, logs and sends one event. */
    void emit(ServerEvent event);

    /** Why the running turn must stop now ({@code session_full}, {@code storage}), or null. */
    ErrorCode stopCode();

    List<ChatMessage> history();

    void appendHistory(ChatMessage message);

    /** The worker that ran the session's last action (where its kernel lives), or null. */
    String kernelWorker();

    void kernelSeenOn(String worker);

    Sampling sampling();

    /** The session's tools: defined in the kernel before each action, listed in the system prompt. */
    Toolbox toolbox();

    /** The running code of action {@code actionId} called a tool ({@code turn} null: not a turn's action). */
    void toolCall(Integer turn, String actionId, Result.ToolCalled call);

    /** Action {@code actionId} ended: tool calls of it still waiting are dropped. */
    void actionEnded(String actionId);

    /** Stores that turn {@code number} runs, before its first event goes out. */
    Uni<Void> markTurnOpen(int number);

    /** Called by the turn just before it emits its {@code turn_end}. */
    void turnEnded(Turn ended);

    /** Called by the turn once its {@code turn_end} was emitted. */
    void turnEndEmitted();

    /** What the model must learn with the next user message (files uploaded since); taken once. */
    UserNotes takeNotes();

    /** The history goes back to before the last turn's message, which this turn's replaces. */
    void rewindLastTurn();

    /**
     * The working directory's files after an action (null: not reported). Returns the names of the
     * files known before that are gone because the interpreter was restarted (empty otherwise).
     */
    List<String> filesSeen(List<FileInfo> files, boolean restarted);
}
