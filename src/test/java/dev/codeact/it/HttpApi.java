package dev.codeact.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The gateway's HTTP API from a plain client (java.net.http): JSON calls, and Server-Sent Event streams. */
final class HttpApi {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** A response: its status, content type and body (parsed when JSON). */
    record Reply(int status, String type, String body) {
        JsonNode json() {
            return parse(body);
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    /** A new session of the gateway whose {@code /v1/sessions} is {@code sessions}: its id. */
    static String createSession(URI sessions) throws IOException, InterruptedException {
        Reply created = call("POST", sessions, null);
        if (created.status() != 201) {
            throw new AssertionError("no session created: " + created);
        }
        return created.json().get("id").asText();
    }

    static HttpResponse<String> send(String method, URI uri, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(600))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Reply call(String method, URI uri, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = send(method, uri, body, Map.of("Accept", "application/json"));
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    /** An upload of {@code body} as it is. */
    static HttpResponse<String> putBytes(URI uri, byte[] body) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A download: the body as bytes. */
    static HttpResponse<byte[]> bytes(URI uri) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** One Server-Sent Event: its name ({@code message} when unnamed), id (null when none) and data. */
    record Event(String name, String id, String data) {
        JsonNode json() {
            return parse(data);
        }
    }

    /** An open event stream, read on its own thread; {@link #close} ends it. */
    static final class Stream implements AutoCloseable {
        final int status;
        final String type;
        private final InputStream body;
        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private static final Object END = new Object();

        Stream(HttpResponse<InputStream> response) {
            this.status = response.statusCode();
            this.type = response.headers().firstValue("Content-Type").orElse("");
            this.body = response.body();
            Thread reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String name = null;
                String id = null;
                StringBuilder data = null;
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.isEmpty()) {
                        if (data != null) {
                            events.add(new Event(name == null ? "message" : name, id, data.toString()));
                        }
                        name = id = null;
                        data = null;
                    } else if (line.startsWith("data:")) {
                        String value = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
                        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    } else if (!line.startsWith(":") && !line.startsWith("retry:")) {
                        // A browser's EventSource ignores other fields (RESTEasy adds content-type when told a media type).
                        events.add(new AssertionError("not a field of Server-Sent Events: " + line));
                    }
                }
            } catch (IOException e) {
                // closed
            }
            events.add(END);
        }

        /** The next event, or null when the stream ended or nothing came within {@code ms}. */
        Event next(long ms) throws InterruptedException {
            Object next = events.poll(ms, TimeUnit.MILLISECONDS);
            if (next instanceof AssertionError wrong) {
                throw wrong;
            }
            if (next == END) {
                events.add(END);
                return null;
            }
            return (Event) next;
        }

        /** Events until one matches (included), within {@code ms} in all. */
        List<Event> until(Predicate<Event> last, long ms) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            List<Event> seen = new ArrayList<>();
            while (true) {
                Event e = next(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (e == null) {
                    throw new AssertionError("stream ended or timed out before the expected event; saw " + seen);
                }
                seen.add(e);
                if (last.test(e)) {
                    return seen;
                }
            }
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    static Stream stream(String method, URI uri, String body, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Accept", "text/event-stream");
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return new Stream(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    private HttpApi() {}
}
