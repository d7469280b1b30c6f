package dev.codeact.session;

import dev.codeact.agent.Turn;
import dev.codeact.agent.TurnHost;
import dev.codeact.config.SessionConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ClientEvent;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.Result;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.ToolSpec;
import dev.codeact.contract.TurnEndReason;
import dev.codeact.tools.ToolCalls;
import dev.codeact.tools.ToolHost;
import dev.codeact.tools.ToolRuntime;
import dev.codeact.tools.Toolbox;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A chat session held by this gateway. All its state is touched only on its Vert.x context
 * ({@link #run}), so no locks. It composes its parts: the {@link EventLog} numbers and stores its
 * events, the {@link Fanout} sends them to its connections, the {@link Conversation} keeps what the
 * model is told; the running turn, the sessions API's executions and the tool calls are routed here.
 */
public final class Session implements TurnHost, ToolHost {

    /** What the registry is told. */
    interface Hooks {
        /** No client and no turn are left. */
        void detached(Session session);

        /** A turn ended (its turn_end is about to be emitted). */
        void turnEnded(Session session);

        /** The last turn_end is stored in Redis and no turn runs: another gateway may take the session. */
        void turnStored(Session session);
    }

    private final String id;
    private final String owner;
    private final Context context;
    private final SessionStore store;
    private final Fanout fanout;
    private final EventLog events;
    private final Conversation conversation;
    private final Duration ttl;
    /** Code run through the sessions API, by job id: their results do not belong to a turn. */
    private final Map<String, Consumer<Result>> executions = new HashMap<>();
    private ErrorCode goneWith;
    private final Hooks hooks;
    /** Counted against the owner's session limit (while a connection is attached); the registry's. */
    boolean counted;
    private Turn turn;
    private int turns;
    /** The worker whose result came last: where the kernel likely is (a routing hint, see JobQueue). */
    private String kernelWorker;
    private final ToolCalls toolCalls;

    Session(String id, String owner, Context context, SessionStore store, SessionConfig config, long lastSeq,
            int turns, Sampling sampling, List<ChatMessage> history, List<SessionStore.Gap> gaps, List<ToolSpec> clientTools,
            ToolRuntime tools, Hooks hooks) {
        this.toolCalls = tools.callsOf(this);
        this.turns = turns;
        this.ttl = config.ttl();
        this.id = id;
        this.owner = owner;
        this.context = context;
        this.store = store;
        ReplayBuffer replay = new ReplayBuffer(config.replayBuffer(), config.replayBufferBytes(), gaps);
        this.fanout = new Fanout(id, store, replay, lastSeq, this::run);
        this.hooks = hooks;
        LogFlusher flusher = store.logFlusher(context);
        this.events = new EventLog(id, store, config, context, flusher, lastSeq, replay, fanout);
        this.conversation = new Conversation(id, owner, store, config.ttl(), tools, this::emit, history,
                new LogWriter(flusher, store.keys().history(id), config.ttl(), context, history.size(), () -> { }), sampling, clientTools);
    }

    @Override
    public String id() {
        return id;
    }

    /** The principal that created the session; null when it cannot be told (then nobody may attach). */
    @Override
    public String owner() {
        return owner;
    }

    /** Runs {@code action} on this session's context (now, when already there). */
    @Override
    public void run(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }

    /**
     * Numbers and logs one event; it is sent once Redis stored it (see {@link EventLog}), so every
     * client of the session, on any gateway and after any crash, sees the same events.
     */
    @Override
    public void emit(ServerEvent event) {
        events.emit(event);
    }

    @Override
    public ErrorCode stopCode() {
        return events.stopCode();
    }

    /** The session's log is at its limit: no new turn may start. */
    boolean logFull() {
        return stopCode() == ErrorCode.SESSION_FULL;
    }

    /** Runs {@code action} (on this context) once every event emitted so far is stored in Redis. */
    void afterStored(Runnable action) {
        events.afterStored(action);
    }

    public void error(ErrorCode code, String message) {
        emit(ServerEvent.Error.of(code, message));
    }

    @Override
    public List<ChatMessage> history() {
        return conversation.history();
    }

    @Override
    public void appendHistory(ChatMessage message) {
        conversation.appendHistory(message);
    }

    /** The session's history, notes, sampling, tools and files. */
    Conversation conversation() {
        return conversation;
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
        return conversation.sampling();
    }

    @Override
    public Toolbox toolbox() {
        return conversation.toolbox();
    }

    /** Any client may answer: a WebSocket with a tool_result frame, the HTTP API with a POST. */
    @Override
    public boolean canAnswerTools() {
        return fanout.connections() > 0;
    }

    @Override
    public void toolCall(Integer turn, String actionId, Result.ToolCalled call) {
        toolCalls.onCall(turn, actionId, call);
    }

    @Override
    public void actionEnded(String actionId) {
        toolCalls.actionEnded(actionId);
    }

    /** A client's answer to a client tool's call; false when no such call waits. On the session's context. */
    public boolean answerTool(ClientEvent.ToolResult answer) {
        return toolCalls.answer(answer);
    }

    public boolean turnRunning() {
        return turn != null;
    }

    int nextTurnNumber() {
        return ++turns;
    }

    void setTurn(Turn running) {
        turn = running;
    }

    Turn turn() {
        return turn;
    }

    /**
     * Stores that turn {@code number} runs, before its first event goes out: if this gateway dies
     * with the turn's events unsent to Redis, the next gateway still knows the turn was open.
     */
    @Override
    public Uni<Void> markTurnOpen(int number) {
        return store.markTurnOpen(id, number, ttl);
    }

    /** Called by the turn itself, just before it emits its {@code turn_end}. */
    @Override
    public void turnEnded(Turn ended) {
        if (turn == ended) {
            turn = null;
            hooks.turnEnded(this);
            checkIdle();
        }
    }

    /** Called by the turn once its {@code turn_end} was emitted. */
    @Override
    public void turnEndEmitted() {
        afterStored(() -> {
            if (turn == null) {
                hooks.turnStored(this);
            }
        });
    }

    void resultsUnreachable(long seconds) {
        if (turn != null) {
            turn.resultsUnreachable(seconds);
        }
    }

    void onResult(Result result) {
        Consumer<Result> execution = executions.get(result.jobId());
        if (execution != null) {
            execution.accept(result);
        } else if (turn != null) {
            turn.onResult(result);
        }
    }

    /** Results of job {@code jobId} (an execution of the sessions API) go to {@code sink} until {@link #forget}. */
    void expect(String jobId, Consumer<Result> sink) {
        executions.put(jobId, sink);
    }

    @Override
    public String takeNotes() {
        return conversation.takeNotes();
    }

    @Override
    public List<String> filesSeen(List<FileInfo> now, boolean restarted) {
        return conversation.filesSeen(now, restarted);
    }

    /** Why this object no longer stands for the session (moved to another gateway, deleted); null while it does. */
    ErrorCode goneWith() {
        return goneWith;
    }

    /** A turn or an execution of the sessions API is running. */
    boolean busy() {
        return turn != null || !executions.isEmpty();
    }

    boolean expects(String jobId) {
        return executions.containsKey(jobId);
    }

    /** The execution {@code jobId} ended: its results go nowhere now, and its tool calls still waiting are dropped. */
    void forget(String jobId) {
        executions.remove(jobId);
        toolCalls.actionEnded(jobId);
        checkIdle();
    }

    /** A connection that receives every event from now on. */
    Attachment attachLive(Client connection) {
        return fanout.attachLive(connection);
    }

    /** Closes a turn the previous gateway left open (it stopped mid-turn) so clients see its end. */
    void closeInterruptedTurn(int turn) {
        emit(ServerEvent.Error.of(ErrorCode.TURN_INTERRUPTED,
                "the gateway running this turn stopped before it ended; send the message again", turn));
        emit(new ServerEvent.TurnEnd(turn, TurnEndReason.ERROR.wire(), 0, 0, null));
    }

    /** Another gateway took this session over: its clients are told to reconnect. */
    void movedAway() {
        disconnect(ErrorCode.SESSION_MOVED, "this session moved to another gateway: reconnect and resume");
    }

    /** Every client gets {@code code} (seq 0, outside the log) and is closed. */
    void disconnect(ErrorCode code, String message) {
        goneWith = code;
        fanout.closeAll(ServerEvent.Error.of(code, message));
    }

    int connections() {
        return fanout.connections();
    }

    void detach(Attachment a) {
        fanout.detach(a);
        checkIdle();
    }

    /** No client, no turn and no execution: nothing will happen until someone resumes. */
    boolean detached() {
        return turn == null && fanout.connections() == 0 && executions.isEmpty();
    }

    /** Detached, and everything is stored: memory can let go of it. */
    boolean idle() {
        return detached() && events.idle() && conversation.idle();
    }

    void checkIdle() {
        if (detached()) {
            hooks.detached(this);
        }
    }

    /** See {@link Fanout#attachHeld}. */
    Attachment attachHeld(Client connection) {
        return fanout.attachHeld(connection);
    }

    /** See {@link Fanout#release}. */
    void release(Attachment a) {
        fanout.release(a);
    }

    /** See {@link Fanout#resume}. */
    void resume(Attachment a, long fromSeq) {
        fanout.resume(a, fromSeq, events.lastSeq());
    }
}
