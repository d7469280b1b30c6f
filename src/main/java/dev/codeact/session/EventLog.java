package dev.codeact.session;

import dev.codeact.agent.TurnHost;
import dev.codeact.config.SessionConfig;
import dev.codeact.contract.Display;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.WireCodec;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A session's events: numbered here, written to its Redis log in order (large ones encoded off the
 * event loop), and handed to its connections once stored, so every client of the session, on any
 * gateway and after any crash, sees the same events. Also why a turn must stop: the log at its
 * limit, or events not being stored. Runs on its session's context only.
 */
final class EventLog {

    private record Waiting(long seq, Runnable action) {}

    /** Room for the events that end a turn stopped at the limit. */
    private static final long UNSTORED_RESERVE = 16;

    private final String session;
    private final Context context;
    private final LogWriter writer;
    private final ReplayBuffer replay;
    private final Fanout fanout;
    private final long maxLogEvents;
    private final long maxLogBytes;
    private final Duration retryWindow;
    private final ArrayDeque<Encoding> encoding = new ArrayDeque<>();
    private final ArrayDeque<Waiting> untilStored = new ArrayDeque<>();
    private long lastSeq;
    private long loggedBytes;

    EventLog(String session, SessionStore store, SessionConfig config, Context context, LogFlusher flusher, long lastSeq,
             ReplayBuffer replay, Fanout fanout) {
        this.session = session;
        this.context = context;
        this.replay = replay;
        this.fanout = fanout;
        this.maxLogEvents = config.maxLogEvents();
        this.maxLogBytes = config.maxLogBytes();
        this.retryWindow = store.retryWindow();
        this.lastSeq = lastSeq;
        this.writer = new LogWriter(flusher, store.keys().events(session), config.ttl(), context, lastSeq, this::stored);
    }

    /** The seq of the last event numbered. */
    long lastSeq() {
        return lastSeq;
    }

    /** Nothing numbered is waiting to be encoded or stored. */
    boolean idle() {
        return encoding.isEmpty() && writer.idle();
    }

    /**
     * Numbers and logs one event; it is sent once Redis stored it ({@link #stored}). A large
     * observation (megabytes of figures and output) is written as JSON on a worker thread, not on
     * this event loop; the events after it wait for it, so the log keeps their order.
     */
    void emit(ServerEvent event) {
        long seq = ++lastSeq;
        boolean large = large(event);
        if (encoding.isEmpty() && !large) {
            log(seq, WireCodec.encodeServer(session, seq, event), event);
            return;
        }
        Encoding pending = new Encoding(seq, event, large);
        encoding.addLast(pending);
        if (large) {
            context.<String>executeBlocking(() -> WireCodec.encodeServer(session, seq, event), false).onComplete(encoded -> {
                // A failure (none is known for a well-formed event) surfaces here, as it did on the loop.
                pending.json = encoded.succeeded() ? encoded.result() : WireCodec.encodeServer(session, seq, event);
                drainEncoded();
            });
        }
    }

    /** Events numbered and not yet logged, behind a large one being encoded. */
    private static final class Encoding {
        final long seq;
        final ServerEvent event;
        final boolean large;
        String json;

        Encoding(long seq, ServerEvent event, boolean large) {
            this.seq = seq;
            this.event = event;
            this.large = large;
        }
    }

    /** Characters of an observation above which it is encoded off the event loop. */
    static final int LARGE_EVENT_CHARS = 256 * 1024;

    static boolean large(ServerEvent event) {
        if (!(event instanceof ServerEvent.Observation o)) {
            return false;
        }
        long chars = (o.text() == null ? 0 : o.text().length());
        ExecutionResult r = o.result();
        if (r != null) {
            chars += (r.output() == null ? 0 : r.output().length()) + (r.value() == null ? 0 : r.value().length());
            if (r.displays() != null) {
                for (Display d : r.displays()) {
                    if (d != null && d.data() != null) {
                        for (String v : d.data().values()) {
                            chars += v == null ? 0 : v.length();
                        }
                    }
                }
            }
        }
        return chars >= LARGE_EVENT_CHARS;
    }

    /** On this context: logs, in order, the events whose turn has come (small ones are encoded now). */
    private void drainEncoded() {
        while (!encoding.isEmpty()) {
            Encoding next = encoding.peekFirst();
            if (next.json == null && next.large) {
                return; // still being encoded
            }
            encoding.pollFirst();
            log(next.seq, next.json != null ? next.json : WireCodec.encodeServer(session, next.seq, next.event), next.event);
        }
    }

    private void log(long seq, String json, ServerEvent event) {
        writer.append(seq, json);
        loggedBytes += json.length();
        replay.add(seq, json, fanout.sent()); // an event leaves the buffer only once it was sent
        if (event instanceof ServerEvent.Error error && ErrorCode.STORAGE.code().equals(error.code())) {
            // The log may be what fails: clients hear of it now (seq 0), and with its seq once stored.
            fanout.toEachOutsideLog(event);
        }
    }

    /**
     * Why the running turn must stop now, or null: the session's log is at its limit
     * ({@code session_full}: no new turn may start either), or its events are not being stored
     * ({@code storage}: Redis away, too slow, or refusing writes for the retry window).
     */
    ErrorCode stopCode() {
        if (lastSeq >= maxLogEvents || loggedBytes >= maxLogBytes) {
            return ErrorCode.SESSION_FULL;
        }
        boolean backlog = lastSeq - writer.stored() >= TurnHost.UNSTORED_LIMIT - UNSTORED_RESERVE;
        return backlog || writer.failingNanos() >= retryWindow.toNanos() ? ErrorCode.STORAGE : null;
    }

    /** Runs {@code action} (on this context) once every event emitted so far is stored in Redis. */
    void afterStored(Runnable action) {
        if (writer.stored() >= lastSeq) {
            action.run();
        } else {
            untilStored.addLast(new Waiting(lastSeq, action));
        }
    }

    /** Redis stored more events: the live connections get them, then the buffer may let go of them. */
    private void stored() {
        long persisted = writer.stored();
        fanout.stored(persisted);
        replay.trim(persisted);
        while (!untilStored.isEmpty() && untilStored.peekFirst().seq() <= persisted) {
            untilStored.pollFirst().action().run();
        }
    }
}
