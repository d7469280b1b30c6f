package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codeact.contract.Job;
import dev.codeact.contract.QueueCodec;
import dev.codeact.contract.RedisKeys;
import dev.codeact.queue.JobQueue;
import dev.codeact.queue.ResultReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Where a job goes: its worker's own stream while that worker's heartbeat lives, else the shared stream. */
@QuarkusTest
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
class JobRoutingTest {

    @Inject
    JobQueue jobs;

    @Inject
    RedisKeys keys;

    @Inject
    ResultReader results;

    String redis(String... args) throws Exception {
        return RedisCli.call(RealParts.redis.port(), args);
    }

    Job job(String session) {
        return new Job(QueueCodec.VERSION, "a-routing-" + session, session, results.stream(), "1", 10_000,
                System.currentTimeMillis(), null, null, null, "local");
    }

    @Test
    void aJobForAWorkerWhoseHeartbeatIsGoneGoesToTheSharedStream() throws Exception {
        String stream = jobs.submit(job("routing-ghost"), "ghost").await().atMost(Duration.ofSeconds(10));
        assertEquals(keys.jobs("routing-ghost"), stream);
        assertEquals("0", redis("EXISTS", keys.workerJobs("ghost")), "nothing was added for the dead worker");
    }

    @Test
    void aJobForALiveWorkerGoesToItsOwnStreamInOneStep() throws Exception {
        redis("SET", keys.heartbeat("alive-w"), "1", "PX", "10000");
        try {
            String stream = jobs.submit(job("routing-alive"), "alive-w").await().atMost(Duration.ofSeconds(10));
            assertEquals(keys.workerJobs("alive-w"), stream);
            assertEquals("1", redis("XLEN", keys.workerJobs("alive-w")));
        } finally {
            redis("DEL", keys.heartbeat("alive-w"), keys.workerJobs("alive-w"));
        }
    }
}
