package dev.codeact.session;

import dev.codeact.agent.Turn;
import dev.codeact.config.SessionConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ClientEvent;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.ToolSpec;
import dev.codeact.contract.TurnEndReason;
import dev.codeact.tools.ToolRuntime;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * A chat session held by this gateway. All its state is touched only on its Vert.x context
 * ({@link #run}), so no locks. It composes its parts: the {@link EventLog} numbers and stores its
 * events, the {@link Fanout} sends them to its connections, the {@link Conversation} keeps what the
 * model is told, {@link Running} holds its turn and executions, and the {@link SessionHost} is all
 * that turns and tool calls see of it. What is left here is the session's life: attached,
 * detached, idle, moved away.
 */
public final class Session {

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
    private final Hooks hooks;
    private final Fanout fanout;
    private final EventLog events;
    private final Conversation conversation;
    private final Running running;
    private final SessionHost host;
    private ErrorCode goneWith;
    /** Counted against the owner's session limit (while a connection is attached); the registry's. */
    boolean counted;

    Session(String id, String owner, Context context, SessionStore store, SessionConfig config, long lastSeq,
            int turns, Sampling sampling, SessionStore.History history, List<SessionStore.Gap> gaps, List<ToolSpec> clientTools,
            ToolRuntime tools, Hooks hooks) {
        this.id = id;
        this.owner = owner;
        this.context = context;
        this.hooks = hooks;
        this.running = new Running(turns);
        ReplayBuffer replay = new ReplayBuffer(config.replayBuffer(), config.replayBufferBytes(), gaps);
        this.fanout = new Fanout(id, store, replay, lastSeq, this::run);
        LogFlusher flusher = store.logFlusher(context);
        this.events = new EventLog(id, store, config, context, flusher, lastSeq, replay, fanout);
        this.host = new SessionHost(this, store, config.ttl(), tools);
        this.conversation = new Conversation(id, owner, store, config.ttl(), tools, this::emit, history,
                new LogWriter(flusher, store.keys().history(id), config.ttl(), context, history.entries(), () -> { }), sampling, clientTools);
    }

    public String id() {
        return id;
    }

    /** The principal that created the session; null when it cannot be told (then nobody may attach). */
    public String owner() {
        return owner;
    }

    /** Runs {@code action} on this session's context (now, when already there). */
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
    public void emit(ServerEvent event) {
        events.emit(event);
    }

    /** Why a running turn must stop now ({@code session_full}, {@code storage}), or null. */
    ErrorCode stopCode() {
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

    /** Its turn and the sessions API's executions. */
    Running running() {
        return running;
    }

    /** What its turns, actions and tool calls see of the session. */
    SessionHost host() {
        return host;
    }

    /** The session's history, notes, sampling, tools and files. */
    Conversation conversation() {
        return conversation;
    }

    /** A client's answer to a client tool's call; false when no such call waits. On the session's context. */
    public boolean answerTool(ClientEvent.ToolResult answer) {
        return host.answerTool(answer);
    }

    /** Called by the turn itself, just before it emits its {@code turn_end}. */
    void turnEnded(Turn ended) {
        if (running.turnEnded(ended)) {
            hooks.turnEnded(this);
            checkIdle();
        }
    }

    /** Called by the turn once its {@code turn_end} was emitted. */
    void turnEndEmitted() {
        afterStored(() -> {
            if (!running.turnRunning()) {
                hooks.turnStored(this);
            }
        });
    }

    /** Why this object no longer stands for the session (moved to another gateway, deleted); null while it does. */
    ErrorCode goneWith() {
        return goneWith;
    }

    /** The execution {@code jobId} ended: its results go nowhere now, and its tool calls still waiting are dropped. */
    void forget(String jobId) {
        running.forget(jobId);
        host.actionEnded(jobId);
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
        return !running.any() && fanout.connections() == 0;
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
