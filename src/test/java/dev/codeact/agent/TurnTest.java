package dev.codeact.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.config.AgentConfig;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.Job;
import dev.codeact.contract.Result;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.ToolReply;
import dev.codeact.contract.Usage;
import dev.codeact.llm.ModelCallException;
import dev.codeact.llm.ModelClient;
import dev.codeact.llm.ModelDelta;
import dev.codeact.queue.ActionQueue;
import dev.codeact.tools.Toolbox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A turn's states, alone: the model is scripted replies, the queue records jobs, and the test
 * delivers their results (the real-parts tier runs turns against a model server, Redis and runsc).
 */
class TurnTest {

    final Vertx vertx = Vertx.vertx();
    final Context loop = vertx.getOrCreateContext();
    final Host host = new Host();
    final Model model = new Model();
    final Queue queue = new Queue();

    @AfterEach
    void close() {
        vertx.close();
    }

    /** The session, as far as a turn sees it: events and history kept in lists. */
    final class Host implements TurnHost {
        final List<ServerEvent> events = new CopyOnWriteArrayList<>();
        final List<ChatMessage> history = new CopyOnWriteArrayList<>();
        final CompletableFuture<ServerEvent.TurnEnd> ended = new CompletableFuture<>();
        volatile ErrorCode stop;
        String worker;

        public String id() { return "s-1"; }

        public String owner() { return "alice"; }

        public void run(Runnable action) {
            if (Vertx.currentContext() == loop) {
                action.run();
            } else {
                loop.runOnContext(v -> action.run());
            }
        }

        public void emit(ServerEvent event) {
            events.add(event);
            if (event instanceof ServerEvent.TurnEnd end) {
                ended.complete(end);
            }
        }

        public ErrorCode stopCode() { return stop; }

        public List<ChatMessage> history() { return new ArrayList<>(history); }

        public void appendHistory(ChatMessage message) { history.add(message); }

        public String kernelWorker() { return worker; }

        public void kernelSeenOn(String seen) { worker = seen; }

        public Sampling sampling() { return Sampling.DEFAULTS; }

        public Toolbox toolbox() { return Toolbox.EMPTY; }

        public void toolCall(Integer turn, String actionId, Result.ToolCalled call) { }

        public void actionEnded(String actionId) { }

        public Uni<Void> markTurnOpen(int number) { return Uni.createFrom().voidItem(); }

        public void turnEnded(Turn turn) { }

        public void turnEndEmitted() { }
        public UserNotes takeNotes() { return new UserNotes("", List.of()); }

        public void rewindLastTurn() { }

        public List<String> filesSeen(List<FileInfo> files, boolean restarted) { return List.of(); }

        List<String> types() {
            return events.stream().map(ServerEvent::type).toList();
        }
    }

    /** Scripted replies, one per call; a call with no reply left streams nothing until cancelled. */
    static final class Model implements ModelClient {
        final Deque<Multi<ModelDelta>> replies = new ArrayDeque<>();
        final List<List<ChatMessage>> calls = new CopyOnWriteArrayList<>();
        final AtomicInteger cancelled = new AtomicInteger();

        void reply(ModelDelta... deltas) {
            replies.add(Multi.createFrom().items(deltas));
        }

        public boolean configured() { return true; }

        public String model() { return "scripted"; }

        public int maxTokens(Sampling sampling) { return 512; }

        public String refusal(Sampling sampling) { return null; }

        public synchronized Multi<ModelDelta> stream(List<ChatMessage> messages, Sampling sampling) {
            calls.add(List.copyOf(messages));
            Multi<ModelDelta> reply = replies.isEmpty() ? Multi.createFrom().<ModelDelta>emitter(e -> e.emit(new ModelDelta.Text("Let me")))
                    : replies.poll();
            // Later than the subscription, as a network reply is.
            return reply.emitOn(Infrastructure.getDefaultExecutor()).onCancellation().invoke(cancelled::incrementAndGet);
        }
    }

    static final class Queue implements ActionQueue {
        final BlockingQueue<Job> jobs = new LinkedBlockingQueue<>();
        final List<String> cancels = new CopyOnWriteArrayList<>();
        /** When set, Redis refuses every job with it. */
        volatile RuntimeException refusal;

        public Uni<String> submit(Job job, String knownWorker) {
            jobs.add(job);
            return refusal != null ? Uni.createFrom().failure(refusal) : Uni.createFrom().item("codeact:jobs");
        }

        public Uni<Void> cancel(String session, String jobId) {
            cancels.add(jobId);
            return Uni.createFrom().voidItem();
        }

        public Uni<Void> answerTool(String worker, ToolReply reply) {
            return Uni.createFrom().voidItem();
        }
    }

    Turn start(String text, String... config) throws Exception {
        Map<String, String> props = new HashMap<>();
        for (int i = 0; i < config.length; i += 2) {
            props.put(config[i], config[i + 1]);
        }
        AgentConfig agent = new SmallRyeConfigBuilder().withMapping(AgentConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 500)).build().getConfigMapping(AgentConfig.class);
        AgentRuntime rt = new AgentRuntime(agent, model, queue, new Prompt(agent), "codeact:results:g", vertx,
                new SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("test"));
        CompletableFuture<Turn> turn = new CompletableFuture<>();
        loop.runOnContext(v -> {
            Turn t = rt.newTurn(host, 1);
            t.start(text, false);
            turn.complete(t);
        });
        return turn.get(10, TimeUnit.SECONDS);
    }

    ServerEvent.TurnEnd ended() throws Exception {
        return host.ended.get(10, TimeUnit.SECONDS);
    }

    Job job() throws Exception {
        Job job = queue.jobs.poll(10, TimeUnit.SECONDS);
        assertTrue(job != null, "a job was submitted");
        return job;
    }

    void deliver(Turn turn, Result result) {
        host.run(() -> turn.onResult(result));
    }

    static ExecutionResult ran(String output, boolean cancelled) {
        return new ExecutionResult(output, null, null, null, 1, false, false, false, cancelled, "runsc", null, null, null);
    }

    void waitFor(String type) throws Exception {
        for (int i = 0; i < 500 && !host.types().contains(type); i++) {
            Thread.sleep(10);
        }
        assertTrue(host.types().contains(type), type + " in " + host.types());
    }

    @Test
    void aReplyWithoutCodeEndsTheTurnWithItsAnswer() throws Exception {
        model.reply(new ModelDelta.Text("The answer"), new ModelDelta.Text(" is 42."), new ModelDelta.End("stop", new Usage(3, 4)));
        start("What is 6 * 7?");
        ServerEvent.TurnEnd end = ended();
        assertEquals("answer", end.reason());
        assertEquals(0, end.actions());
        assertEquals(new Usage(3, 4), end.usage());
        assertEquals(List.of("turn_start", "token", "token", "turn_end"), host.types());
        assertEquals(List.of("What is 6 * 7?", "The answer is 42."), host.history.stream().map(ChatMessage::content).toList());
    }

    @Test
    void anActionRunsAndItsObservationGoesBackToTheModel() throws Exception {
        model.reply(new ModelDelta.Text("Let me compute.\n<execute>\nprint(6 * 7)\n"), new ModelDelta.End("stop", null));
        model.reply(new ModelDelta.Text("It is 42."), new ModelDelta.End("stop", null));
        Turn turn = start("What is 6 * 7?");
        Job job = job();
        assertEquals("print(6 * 7)", job.code());
        assertEquals("codeact:results:g", job.replyTo());
        deliver(turn, Result.chunk("s-1", job.jobId(), "w-1", "stdout", "42\n").numbered(1, 1));
        deliver(turn, Result.observation("s-1", job.jobId(), "w-1", ran("42\n", false)).numbered(1, 2));
        ServerEvent.TurnEnd end = ended();
        assertEquals("answer", end.reason());
        assertEquals(1, end.actions());
        assertEquals(List.of("turn_start", "token", "action", "observation_chunk", "observation", "token", "turn_end"), host.types());
        List<ChatMessage> second = model.calls.get(1);
        assertEquals("Execution Output:\n42", second.get(second.size() - 1).content(), "the model reads the observation");
        assertEquals("w-1", host.worker, "the next job goes to the worker that holds the kernel");
    }

    @Test
    void anActionThatCannotBeQueuedEndsTheTurnWithStorage() throws Exception {
        queue.refusal = new RuntimeException("connection refused");
        model.reply(new ModelDelta.Text("<execute>print(1)"), new ModelDelta.End("stop", null));
        start("go");
        assertEquals("error", ended().reason());
        ServerEvent.Error error = (ServerEvent.Error) host.events.stream().filter(e -> e instanceof ServerEvent.Error).findFirst().orElseThrow();
        assertEquals(ErrorCode.STORAGE.code(), error.code());
        assertTrue(error.message().contains("could not queue the action: connection refused"), error.message());
    }

    @Test
    void anActionNoWorkerReportsOnEndsTheTurnAfterTheResultTimeout() throws Exception {
        model.reply(new ModelDelta.Text("<execute>print(1)"), new ModelDelta.End("stop", null));
        Turn turn = start("go", "codeact.agent.result-timeout", "1s");
        Job job = job();
        assertEquals("error", ended().reason());
        ServerEvent.Error error = (ServerEvent.Error) host.events.stream().filter(e -> e instanceof ServerEvent.Error).findFirst().orElseThrow();
        assertEquals(ErrorCode.EXECUTION_FAILED.code(), error.code());
        int events = host.events.size();
        deliver(turn, Result.observation("s-1", job.jobId(), "w-1", ran("late\n", false)).numbered(1, 1));
        waitFor("turn_end");
        assertEquals(events, host.events.size(), "a result after the turn ended shows nothing");
    }

    @Test
    void resultsOfAnOlderRunOrWrittenTwiceAreIgnored() throws Exception {
        model.reply(new ModelDelta.Text("<execute>print(1)"), new ModelDelta.End("stop", null));
        model.reply(new ModelDelta.Text("Done."), new ModelDelta.End("stop", null));
        Turn turn = start("go");
        Job job = job();
        deliver(turn, Result.chunk("s-1", job.jobId(), "w-2", "stdout", "new run\n").numbered(2, 1));
        deliver(turn, Result.chunk("s-1", job.jobId(), "w-1", "stdout", "old run\n").numbered(1, 1));
        deliver(turn, Result.chunk("s-1", job.jobId(), "w-2", "stdout", "new run\n").numbered(2, 1));
        deliver(turn, Result.chunk("s-1", "a-other", "w-2", "stdout", "another job\n").numbered(1, 1));
        deliver(turn, Result.observation("s-1", job.jobId(), "w-2", ran("new run\n", false)).numbered(2, 2));
        ended();
        assertEquals(1, host.types().stream().filter("observation_chunk"::equals).count(), host.events.toString());
    }

    @Test
    void aRunThatStartsAgainAfterOutputWasShownIsAnnouncedBeforeItsOutput() throws Exception {
        model.reply(new ModelDelta.Text("<execute>print(1)"), new ModelDelta.End("stop", null));
        model.reply(new ModelDelta.Text("Done."), new ModelDelta.End("stop", null));
        Turn turn = start("go");
        Job job = job();
        deliver(turn, Result.chunk("s-1", job.jobId(), "w-1", "stdout", "line 0\n").numbered(1, 1));
        deliver(turn, Result.chunk("s-1", job.jobId(), "w-2", "stdout", "line 0\n").numbered(2, 1));
        deliver(turn, Result.chunk("s-1", job.jobId(), "w-2", "stdout", "line 1\n").numbered(2, 2));
        deliver(turn, Result.observation("s-1", job.jobId(), "w-2", ran("line 0\nline 1\n", false)).numbered(2, 3));
        ended();
        assertEquals(List.of("turn_start", "token", "action", "observation_chunk", "action_restarted", "observation_chunk",
                "observation_chunk", "observation", "token", "turn_end"), host.types());
        ServerEvent.ActionRestarted restart = host.events.stream().filter(e -> e instanceof ServerEvent.ActionRestarted)
                .map(e -> (ServerEvent.ActionRestarted) e).findFirst().orElseThrow();
        assertEquals(2, restart.attempt());
        assertEquals(job.jobId(), restart.actionId());
    }

    @Test
    void aCancelWhileTheModelStreamsClosesTheCallAndKeepsWhatWasSaid() throws Exception {
        Turn turn = start("go");
        waitFor("token");
        host.run(turn::cancel);
        assertEquals("cancelled", ended().reason());
        assertEquals(1, model.cancelled.get(), "the model call was cancelled");
        assertEquals("Let me [interrupted]", host.history.get(host.history.size() - 1).content());
    }

    @Test
    void aCancelWhileTheActionRunsCancelsTheJobAndWaitsForItsObservation() throws Exception {
        model.reply(new ModelDelta.Text("<execute>import time; time.sleep(60)"), new ModelDelta.End("stop", null));
        Turn turn = start("go");
        Job job = job();
        host.run(turn::cancel);
        for (int i = 0; i < 500 && queue.cancels.isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertEquals(List.of(job.jobId()), queue.cancels);
        deliver(turn, Result.observation("s-1", job.jobId(), "w-1", ran("", true)).numbered(1, 1));
        assertEquals("cancelled", ended().reason());
        assertEquals(1, model.calls.size(), "no model call after a cancel");
    }

    @Test
    void theTurnEndsAtTheActionLimit() throws Exception {
        model.reply(new ModelDelta.Text("<execute>print(1)"), new ModelDelta.End("stop", null));
        Turn turn = start("go", "codeact.agent.max-actions", "1");
        Job job = job();
        deliver(turn, Result.observation("s-1", job.jobId(), "w-1", ran("1\n", false)).numbered(1, 1));
        assertEquals("max_actions", ended().reason());
    }

    @Test
    void aModelFailureEndsTheTurnWithItsCode() throws Exception {
        model.replies.add(Multi.createFrom().failure(new ModelCallException(ErrorCode.UPSTREAM_AUTH, "model server answered HTTP 401")));
        start("go");
        assertEquals("error", ended().reason());
        ServerEvent.Error error = (ServerEvent.Error) host.events.stream().filter(e -> e instanceof ServerEvent.Error).findFirst().orElseThrow();
        assertEquals("upstream_auth", error.code());
        assertEquals(1, error.turn());
    }

    @Test
    void codeCutByTheTokenLimitIsNotRun() throws Exception {
        model.reply(new ModelDelta.Text("<execute>\nfor i in range("), new ModelDelta.End("length", null));
        start("go");
        assertEquals("error", ended().reason());
        assertTrue(host.events.stream().anyMatch(e -> e instanceof ServerEvent.Error err && err.code().equals("reply_too_long")));
        assertTrue(queue.jobs.isEmpty(), "nothing ran");
    }

    @Test
    void aSessionThatMustStopEndsTheTurnAfterTheEventThatFilledIt() throws Exception {
        host.stop = ErrorCode.SESSION_FULL;
        model.reply(new ModelDelta.Text("Hello"), new ModelDelta.End("stop", null));
        start("go");
        assertEquals("error", ended().reason());
        assertTrue(host.events.stream().anyMatch(e -> e instanceof ServerEvent.Error err && err.code().equals("session_full")));
    }
}
