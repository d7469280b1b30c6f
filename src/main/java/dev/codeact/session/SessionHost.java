package dev.codeact.session;

import dev.codeact.agent.Turn;
import dev.codeact.agent.TurnHost;
import dev.codeact.agent.UserNotes;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ClientEvent;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.Result;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ServerEvent;
import dev.codeact.tools.ToolCalls;
import dev.codeact.tools.ToolHost;
import dev.codeact.tools.ToolRuntime;
import dev.codeact.tools.Toolbox;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;

/**
 * The session as its turns, its actions and its tool calls see it: the agent and the tools
 * depend on these two narrow interfaces, never on {@link Session}. On the session's context.
 */
final class SessionHost implements TurnHost, ToolHost {

    private final Session session;
    private final SessionStore store;
    private final Duration ttl;
    private final ToolCalls toolCalls;
    /** The worker whose result came last: where the kernel likely is (a routing hint, see JobQueue). */
    private String kernelWorker;

    SessionHost(Session session, SessionStore store, Duration ttl, ToolRuntime tools) {
        this.session = session;
        this.store = store;
        this.ttl = ttl;
        this.toolCalls = tools.callsOf(this);
    }

    @Override
    public String id() {
        return session.id();
    }

    @Override
    public String owner() {
        return session.owner();
    }

    @Override
    public void run(Runnable action) {
        session.run(action);
    }

    @Override
    public void emit(ServerEvent event) {
        session.emit(event);
    }

    @Override
    public ErrorCode stopCode() {
        return session.stopCode();
    }

    @Override
    public List<ChatMessage> history() {
        return session.conversation().history();
    }

    @Override
    public void appendHistory(ChatMessage message) {
        session.conversation().appendHistory(message);
    }

    @Override
    public String kernelWorker() {
        return kernelWorker;
    }

    @Override
    public void kernelSeenOn(String worker) {
        kernelWorker = worker;
    }

    @Override
    public Sampling sampling() {
        return session.conversation().sampling();
    }

    @Override
    public Toolbox toolbox() {
        return session.conversation().toolbox();
    }

    /** Any client may answer: a WebSocket with a tool_result frame, the HTTP API with a POST. */
    @Override
    public boolean canAnswerTools() {
        return session.connections() > 0;
    }

    @Override
    public void toolCall(Integer turn, String actionId, Result.ToolCalled call) {
        toolCalls.onCall(turn, actionId, call);
    }

    @Override
    public void actionEnded(String actionId) {
        toolCalls.actionEnded(actionId);
    }

    /** A client's answer to a client tool's call; false when no such call waits. */
    boolean answerTool(ClientEvent.ToolResult answer) {
        return toolCalls.answer(answer);
    }

    /**
     * Stores that turn {@code number} runs, before its first event goes out: if this gateway dies
     * with the turn's events unsent to Redis, the next gateway still knows the turn was open.
     */
    @Override
    public Uni<Void> markTurnOpen(int number) {
        return store.markTurnOpen(session.id(), number, ttl);
    }

    @Override
    public void turnEnded(Turn ended) {
        session.turnEnded(ended);
    }

    @Override
    public void turnEndEmitted() {
        session.turnEndEmitted();
    }

    @Override
    public UserNotes takeNotes() {
        return session.conversation().takeNotes();
    }

    @Override
    public void rewindLastTurn() {
        session.conversation().rewindLastTurn();
    }

    @Override
    public List<String> filesSeen(List<FileInfo> now, boolean restarted) {
        return session.conversation().filesSeen(now, restarted);
    }
}
