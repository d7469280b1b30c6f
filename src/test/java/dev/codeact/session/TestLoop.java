package dev.codeact.session;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A Vert.x event loop for the tests of code bound to one (the log writers and their flusher). */
final class TestLoop implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    final Context context = vertx.getOrCreateContext();

    /** Runs {@code action} on the loop and waits for what it returns. */
    <T> T on(Supplier<T> action) throws Exception {
        CompletableFuture<T> out = new CompletableFuture<>();
        context.runOnContext(v -> out.complete(action.get()));
        return out.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        vertx.close();
    }
}
