package dev.codeact.worker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Which of a worker's jobs run now: one at a time per session (a session's kernel runs one cell
 * at a time, in the order the jobs came), any number of sessions at once. It also remembers
 * cancels that arrived before their job, so that job is answered without running. Thread-safe;
 * it starts nothing itself, it says what the caller should start.
 *
 * @param <T> the caller's handle of a job
 */
final class SessionScheduler<T> {

    /** When a job just delivered runs. */
    enum Kind {
        /** The first of its session: start it. */
        START,
        /** Its session runs another job: it starts when that one finishes. */
        QUEUED,
        /** Already here (a takeover raced a redelivery): ignore this delivery. */
        DUPLICATE
    }

    /**
     * What to do with a job just delivered: when it runs, and whether its cancel came before it
     * (then it is answered without running; the cancel is forgotten, so it counts once).
     */
    record Admission(Kind kind, boolean cancelledEarly) {}

    private record Entry<T>(String jobId, String session, T job) {}

    private final Map<String, ArrayDeque<Entry<T>>> bySession = new HashMap<>();
    private final Map<String, Entry<T>> byJob = new HashMap<>();
    private final Map<String, Boolean> cancelledEarly;

    SessionScheduler(int rememberedCancels) {
        this.cancelledEarly = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > rememberedCancels;
            }
        };
    }

    synchronized Admission admit(String jobId, String session, T job) {
        if (byJob.containsKey(jobId)) {
            return new Admission(Kind.DUPLICATE, false);
        }
        Entry<T> entry = new Entry<>(jobId, session, job);
        byJob.put(jobId, entry);
        ArrayDeque<Entry<T>> waiting = bySession.computeIfAbsent(session, s -> new ArrayDeque<>());
        waiting.addLast(entry);
        return new Admission(waiting.size() == 1 ? Kind.START : Kind.QUEUED, cancelledEarly.remove(jobId) != null);
    }

    /** The job to cancel, or null: then the cancel is remembered for when the job comes. */
    synchronized T cancel(String jobId) {
        Entry<T> entry = byJob.get(jobId);
        if (entry == null) {
            cancelledEarly.put(jobId, Boolean.TRUE);
            return null;
        }
        return entry.job();
    }

    /** The job {@code jobId} while it is here (running or waiting), else null. */
    synchronized T find(String jobId) {
        Entry<T> entry = byJob.get(jobId);
        return entry == null ? null : entry.job();
    }

    /** The job's observation is stored: returns its session's job to start now, or null. */
    synchronized T finish(String jobId, String session, T job) {
        Entry<T> mine = byJob.get(jobId);
        if (mine != null && mine.job() == job) {
            byJob.remove(jobId);
        }
        ArrayDeque<Entry<T>> waiting = bySession.get(session);
        if (waiting == null || waiting.isEmpty() || waiting.peekFirst().job() != job) {
            // Not the session's running job: one a fence let go of, whose session may have a new
            // run of it going already. Starting the next job here would start that one twice.
            if (waiting != null) {
                waiting.removeIf(e -> e.job() == job);
            }
            return null;
        }
        waiting.removeFirst();
        Entry<T> next = waiting.peekFirst();
        if (next == null) {
            bySession.remove(session);
        }
        return next == null ? null : next.job();
    }

    /** Lets go of every job, running or waiting (a fence): they are returned, and the scheduler is empty. */
    synchronized List<T> clear() {
        List<T> all = new ArrayList<>();
        byJob.values().forEach(e -> all.add(e.job()));
        byJob.clear();
        bySession.clear();
        return all;
    }

    /** Every job still here, running or waiting. */
    synchronized List<T> all() {
        List<T> all = new ArrayList<>();
        bySession.values().forEach(q -> q.forEach(e -> all.add(e.job())));
        return all;
    }

    synchronized boolean any(Predicate<T> test) {
        return byJob.values().stream().anyMatch(e -> test.test(e.job()));
    }

    synchronized int size() {
        return byJob.size();
    }
}
