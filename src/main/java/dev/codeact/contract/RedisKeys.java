package dev.codeact.contract;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Every Redis key and channel of the contract. Session keys carry the session id as a hash tag
 * ({@code codeact:{id}:…}) so one session's keys stay on one Redis Cluster slot.
 */
public final class RedisKeys {

    public static final String WORKER_GROUP = "workers";

    private final String prefix;
    private final List<String> jobStreams;

    /** @param shards how many shared job streams ({@code codeact.queue.shards}); 1 is one stream, {@code <prefix>jobs} */
    public RedisKeys(String prefix, int shards) {
        this.prefix = prefix;
        this.jobStreams = shards <= 1 ? List.of(prefix + "jobs")
                : IntStream.range(0, shards).mapToObj(i -> prefix + "jobs:" + i).toList();
    }

    /** The shared job streams (shards), which every worker reads. */
    public List<String> jobStreams() {
        return jobStreams;
    }

    /** The shared job stream of a session (a session always lands on the same shard). */
    public String jobs(String session) {
        return jobStreams.get(Math.floorMod(session.hashCode(), jobStreams.size()));
    }

    /**
     * The jobs of sessions whose kernel lives on {@code workerId}. Its hash tag is the worker's id,
     * as the heartbeat's: one script can check the one and add to the other (same Cluster slot).
     */
    public String workerJobs(String workerId) {
        return prefix + "jobs:w:{" + workerId + "}";
    }

    /** Answers to the tool calls of the jobs {@code workerId} runs ({@link ToolReply}), from the gateways. */
    public String toolReplies(String workerId) {
        return prefix + "tools:w:{" + workerId + "}";
    }

    public String heartbeat(String workerId) {
        return prefix + "worker:{" + workerId + "}";
    }

    /**
     * The worker's lease epoch (an integer; hash tag: the worker's, as its heartbeat's). The worker
     * advances it when it joins; a peer advances it when it takes the worker's jobs over, so the
     * worker learns of the takeover when it next renews, and only then.
     */
    public String epoch(String workerId) {
        return prefix + "epoch:{" + workerId + "}";
    }

    /** Set of every worker that may still own jobs. */
    public String workers() {
        return prefix + "workers";
    }

    /** Taken by the one worker that takes over the jobs of a dead worker (hash tag: the worker's, as its stream's). */
    public String rescueLock(String workerId) {
        return prefix + "rescue:{" + workerId + "}";
    }

    /** The session's model and sampling choices (JSON), when the client made any. */
    public String options(String session) {
        return prefix + "{" + session + "}:options";
    }

    /** The tools the session's client declared (JSON), when it declared any. */
    public String tools(String session) {
        return prefix + "{" + session + "}:tools";
    }

    /** The worker holding the session's kernel. */
    public String affinity(String session) {
        return prefix + "{" + session + "}:worker";
    }

    /**
     * Why the session's kernel was stopped while its state mattered (evicted to make room), until
     * its next kernel reads it (GETDEL) and says so in the observation.
     */
    public String lostState(String session) {
        return prefix + "{" + session + "}:lost";
    }

    /**
     * The sessions of a principal that hold a kernel on some worker, scored by when each last ran
     * code (epoch ms): its kernels across workers, least recently used first.
     */
    public String kernelsOf(String principal) {
        return prefix + "principal:" + principal + ":kernels";
    }

    /** Held by the gateway running a turn of the session (renewed while it runs). */
    public String turnLease(String session) {
        return prefix + "{" + session + "}:turn";
    }

    /** Gateways announce here the sessions they load, so others drop their stale copies. */
    public String sessionTakenChannel() {
        return prefix + "session-taken";
    }

    public String results(String gatewayId) {
        return prefix + "results:" + gatewayId;
    }

    /** A gateway's heartbeat: written every second with a short TTL (it lives; Redis takes its writes). */
    public String gatewayHeartbeat(String gatewayId) {
        return prefix + "gateway:" + gatewayId;
    }

    public String cancelChannel() {
        return prefix + "cancel";
    }

    public String releaseChannel() {
        return prefix + "release";
    }

    /** The number of the session's turn that is running, while it runs (until its turn_end is stored). */
    public String openTurn(String session) {
        return prefix + "{" + session + "}:open";
    }

    /** Sorted set of the seq ranges that hold no events ({@code from-to}, scored by from): see events_lost. */
    public String gaps(String session) {
        return prefix + "{" + session + "}:gaps";
    }

    public String history(String session) {
        return prefix + "{" + session + "}:history";
    }

    public String events(String session) {
        return prefix + "{" + session + "}:events";
    }

    /** A session's title, creation time, last activity and turn count (a hash), for the sessions API. */
    public String summary(String session) {
        return prefix + "{" + session + "}:summary";
    }

    /** The sessions of a principal, scored by their last activity (epoch ms). */
    public String sessionsOf(String principal) {
        return prefix + "principal:" + principal + ":sessions";
    }

    /**
     * The Redis Cluster slot of {@code key}: CRC16 (XMODEM) of its hash tag (the text between the
     * first '{' and the next '}', when not empty), else of the whole key, modulo 16384.
     */
    public static int slot(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                key = key.substring(open + 1, close);
            }
        }
        int crc = 0;
        for (byte b : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return (crc & 0xffff) % 16384;
    }

    /** Every key of one session, for deleting it. */
    public List<String> sessionKeys(String session) {
        return List.of(events(session), history(session), options(session), tools(session), gaps(session), openTurn(session),
                affinity(session), summary(session), lostState(session));
    }
}
