package dev.codeact.worker;

import dev.codeact.queue.QueueCodec;
import dev.codeact.queue.Result;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.XAddArgs;
import java.util.ArrayDeque;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Sends one job's results to the gateway's stream in order. While an XADD is in flight, further
 * chunks of the same stream merge into one entry, so a chatty action costs few Redis writes.
 * Called from kernel reader threads; completions come on Redis threads: hence the lock.
 */
final class ResultSink {

    private static final Logger LOG = Logger.getLogger(ResultSink.class);
    private static final int MERGE_LIMIT = 64 * 1024;

    private final ReactiveStreamCommands<String, String, String> streams;
    private final String stream;
    private final long maxLen;
    private final Runnable onFinished;
    private final ArrayDeque<Result> queue = new ArrayDeque<>();
    private boolean sending;

    ResultSink(ReactiveStreamCommands<String, String, String> streams, String stream, long maxLen, Runnable onFinished) {
        this.streams = streams;
        this.stream = stream;
        this.maxLen = maxLen;
        this.onFinished = onFinished;
    }

    synchronized void push(Result result) {
        Result last = queue.peekLast();
        if (last != null && last.isChunk() && result.isChunk() && last.stream().equals(result.stream())
                && last.text().length() + result.text().length() <= MERGE_LIMIT) {
            queue.pollLast();
            result = Result.chunk(last.session(), last.jobId(), last.worker(), last.stream(), last.text() + result.text());
        }
        queue.addLast(result);
        if (!sending) {
            sendNext();
        }
    }

    private synchronized void sendNext() {
        Result next = queue.pollFirst();
        if (next == null) {
            sending = false;
            return;
        }
        sending = true;
        streams.xadd(stream, new XAddArgs().maxlen(maxLen).nearlyExactTrimming(), Map.of(QueueCodec.FIELD, QueueCodec.encode(next)))
                .subscribe().with(id -> afterSend(next), error -> {
                    LOG.warnf("result of %s not delivered to %s: %s", next.jobId(), stream, error.getMessage());
                    afterSend(next);
                });
    }

    private void afterSend(Result sent) {
        if (!sent.isChunk()) {
            onFinished.run();
        }
        sendNext();
    }
}
