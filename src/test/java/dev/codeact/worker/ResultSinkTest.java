package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.Result;
import dev.codeact.testing.RedisBatches;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How one job's results leave: merged, numbered, batched, retried whole (batches answered by the test). */
class ResultSinkTest {

    final RedisBatches redis = new RedisBatches();
    final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    final AtomicInteger finished = new AtomicInteger();
    final AtomicBoolean live = new AtomicBoolean(true);
    final ResultSink sink = new ResultSink(redis, "codeact:results:g", 1000, Duration.ofSeconds(30), timers, 1, live::get,
            finished::incrementAndGet);

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    static Result chunk(String stream, String text) {
        return Result.chunk("s", "j", "w", stream, text);
    }

    static Result observation() {
        return Result.observation("s", "j", "w", new ExecutionResult("", null, null, null, 1, false, false, false, false, "runsc",
                null, null, null));
    }

    /** The results an XADD batch carries, decoded. */
    static List<Result> results(RedisBatches.Sent batch) {
        return batch.named("XADD").stream().map(words -> QueueCodec.decode(words.get(words.size() - 1), Result.class)).toList();
    }

    @Test
    void chunksOfOneStreamMergeWhileTheyWaitAndEverythingQueuedLeavesInOneNumberedBatch() throws Exception {
        sink.push(chunk("stdout", "a"));
        sink.push(chunk("stdout", "b"));
        sink.push(chunk("stderr", "c"));
        sink.push(chunk("stdout", "d"));
        sink.push(observation());
        sink.flush();
        RedisBatches.Sent batch = redis.next();
        List<Result> sent = results(batch);
        assertEquals(List.of("ab", "c", "d"), sent.subList(0, 3).stream().map(r -> ((Result.Chunk) r).text()).toList());
        assertTrue(sent.get(3) instanceof Result.Observation, sent.get(3).toString());
        assertEquals(List.of(1L, 2L, 3L, 4L), sent.stream().map(Result::n).toList());
        assertEquals(List.of("XADD", "codeact:results:g", "MAXLEN", "~", "1000", "*", "p"), batch.named("XADD").get(0).subList(0, 7));
        assertEquals(0, finished.get());
        batch.reply().complete(List.of());
        for (int i = 0; i < 500 && finished.get() == 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(1, finished.get(), "done once the observation is stored");
    }

    @Test
    void whatIsPushedDuringAWriteWaitsForItAndAFailedBatchGoesAgainWhole() throws Exception {
        sink.push(chunk("stdout", "1"));
        sink.flush();
        RedisBatches.Sent first = redis.next();
        sink.push(chunk("stdout", "2"));
        sink.flush();
        assertTrue(redis.quietFor(50), "one batch in flight at a time");
        first.reply().completeExceptionally(new RuntimeException("connection reset"));
        RedisBatches.Sent retry = redis.next();
        assertEquals(results(first), results(retry), "retried whole, with the same numbers");
        retry.reply().complete(List.of());
        RedisBatches.Sent second = redis.next();
        assertEquals(List.of("2"), results(second).stream().map(r -> ((Result.Chunk) r).text()).toList());
        assertEquals(List.of(2L), results(second).stream().map(Result::n).toList());
    }

    @Test
    void resultsWaitWhileTheLeaseIsUnsureAndLeaveWhenItIsRenewed() throws Exception {
        live.set(false);
        sink.push(chunk("stdout", "before"));
        sink.push(observation());
        sink.flush();
        assertTrue(redis.quietFor(300), "nothing leaves while a peer may be taking the worker over");
        live.set(true);
        RedisBatches.Sent batch = redis.next();
        assertEquals(List.of(1L, 2L), results(batch).stream().map(Result::n).toList(), "held whole, in order");
    }

    @Test
    void heldResultsOfAJobGivenUpAfterATakeoverAreNeverWritten() throws Exception {
        live.set(false);
        sink.push(observation());
        sink.flush();
        sink.close();
        live.set(true);
        assertTrue(redis.quietFor(300));
        assertEquals(0, finished.get());
    }
}
