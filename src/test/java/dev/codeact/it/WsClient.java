package dev.codeact.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real WebSocket client (the JDK's) that records every event it receives. */
public final class WsClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocket socket;
    private final BlockingDeque<JsonNode> inbox = new LinkedBlockingDeque<>();
    private final List<JsonNode> all = new CopyOnWriteArrayList<>();
    private final List<Long> arrivalNanos = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile int closeStatus = -1;

    private WsClient(URI uri, Map<String, String> headers) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        headers.forEach(builder::header);
        this.socket = builder.buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        JsonNode event = JSON.readTree(partial.toString());
                        all.add(event);
                        arrivalNanos.add(System.nanoTime());
                        inbox.add(event);
                    } catch (Exception e) {
                        throw new IllegalStateException("server sent a frame that is not JSON: " + partial, e);
                    }
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                closeStatus = status;
                closed = true;
                return null;
            }
        }).join();
    }

    public static WsClient connect(String uri) {
        return new WsClient(URI.create(uri), Map.of());
    }

    /** With extra handshake headers ({@code Origin}, {@code Authorization}). */
    public static WsClient connect(String uri, Map<String, String> headers) {
        return new WsClient(URI.create(uri), headers);
    }

    /** The HTTP status of an upgrade the gateway refuses (it fails the test if the upgrade succeeds). */
    public static int refusedUpgrade(String uri, Map<String, String> headers) {
        try (WsClient opened = connect(uri, headers)) {
            throw new AssertionError("the upgrade to " + uri + " was accepted");
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }

    /** The WebSocket form of a test's {@code @TestHTTPResource("/v1/sessions")} URI, plus {@code suffix}. */
    public static String ws(URI sessions, String suffix) {
        return sessions.toString().replaceFirst("^http", "ws") + suffix;
    }

    /**
     * A new session's connection, once its {@code session} event came: a bound, not a margin (that
     * event is sent once stored; a gateway that cannot store it answers {@code storage} sooner).
     */
    public static WsClient openSession(URI sessions) throws InterruptedException {
        WsClient ws = connect(ws(sessions, ""));
        ws.next("session", 60_000);
        return ws;
    }

    /**
     * One turn in a fresh session: sends {@code text}, returns the events up to its turn_end. The
     * wait is a bound, not a margin: above the gateway's result timeout (180 s), which ends any turn.
     */
    public static List<JsonNode> turnInNewSession(URI sessions, String text) throws InterruptedException {
        try (WsClient ws = openSession(sessions)) {
            ws.sendJson("type", "user_message", "text", text);
            return ws.untilTurnEnd(300_000);
        }
    }

    public void send(String frame) {
        socket.sendText(frame, true).join();
    }

    public void sendBinary(byte[] frame) {
        socket.sendBinary(java.nio.ByteBuffer.wrap(frame), true).join();
    }

    public void sendJson(Object... keyValues) {
        var node = JSON.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            node.putPOJO((String) keyValues[i], keyValues[i + 1]);
        }
        send(node.toString());
    }

    /** Puts an event taken with {@link #next} back at the head of the queue. */
    public void pushBack(JsonNode event) {
        inbox.addFirst(event); // atomic: an event the listener adds meanwhile still comes after it
    }

    /** The next event of {@code type}; earlier events of other types are consumed. */
    public JsonNode next(String type, long timeoutMs) throws InterruptedException {
        return next(e -> type.equals(e.path("type").asText()), timeoutMs, type);
    }

    public JsonNode next(Predicate<JsonNode> match, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode e = inbox.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no " + what + " event within " + timeoutMs + " ms; got " + all);
            }
            if (match.test(e)) {
                return e;
            }
        }
    }

    /** Events up to and including the next {@code turn_end}. */
    public List<JsonNode> untilTurnEnd(long timeoutMs) throws InterruptedException {
        List<JsonNode> events = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            JsonNode e = inbox.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no turn_end within " + timeoutMs + " ms; got " + events);
            }
            events.add(e);
            if ("turn_end".equals(e.path("type").asText())) {
                return events;
            }
        }
    }

    /** Opens a session from seq 0 and returns its stored events up to {@code lastSeq}. */
    public static List<JsonNode> replay(String sessionUri, long lastSeq) throws InterruptedException {
        try (WsClient ws = connect(sessionUri + "?last_seq=0")) {
            ws.next(e -> e.path("seq").asLong() >= lastSeq, 30_000, "seq " + lastSeq);
            return ws.all();
        }
    }

    public List<JsonNode> all() {
        return new ArrayList<>(all);
    }

    public List<Long> arrivals() {
        return new ArrayList<>(arrivalNanos);
    }

    public boolean closed() {
        return closed;
    }

    /** The status of the server's close frame; -1 while open. */
    public int closeStatus() {
        return closeStatus;
    }

    /** Drops the TCP connection without a close handshake, like a network failure. */
    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }
}
