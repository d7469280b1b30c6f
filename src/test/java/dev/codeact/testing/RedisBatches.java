package dev.codeact.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Stands in for Redis' pipelined {@code batch} in the fast tier: records every batch sent, as text,
 * and lets the test answer it (or fail it) when it chooses. The real-parts tier runs the same code
 * against redis-server.
 */
public final class RedisBatches implements Function<List<Request>, Uni<List<Response>>> {

    /** One batch: its commands ("ZADD key 1 entry 1"), and its reply, for the test to complete. */
    public record Sent(List<List<String>> commands, CompletableFuture<List<Response>> reply) {

        /** The commands named {@code name}, each as its words. */
        public List<List<String>> named(String name) {
            return commands.stream().filter(c -> c.get(0).equals(name)).toList();
        }
    }

    private final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();

    @Override
    public Uni<List<Response>> apply(List<Request> requests) {
        CompletableFuture<List<Response>> reply = new CompletableFuture<>();
        sent.add(new Sent(requests.stream().map(RedisBatches::words).toList(), reply));
        return Uni.createFrom().completionStage(reply);
    }

    /** The next batch sent (waits up to 10 s for it). */
    public Sent next() throws InterruptedException {
        Sent batch = sent.poll(10, TimeUnit.SECONDS);
        assertNotNull(batch, "a batch was sent");
        return batch;
    }

    /** Whether no batch was sent within {@code ms}. */
    public boolean quietFor(long ms) throws InterruptedException {
        Sent batch = sent.poll(ms, TimeUnit.MILLISECONDS);
        if (batch != null) {
            sent.add(batch);
            return false;
        }
        return true;
    }

    /** A request's command and arguments (the client renders requests in RESP). */
    private static List<String> words(Request request) {
        String[] lines = request.getDelegate().toString().split("\r\n");
        List<String> words = new ArrayList<>();
        // *count, then $length and the argument itself for each one
        for (int i = 1; i + 1 < lines.length; i += 2) {
            words.add(lines[i + 1]);
        }
        words.set(0, words.get(0).toUpperCase());
        return words;
    }
}
