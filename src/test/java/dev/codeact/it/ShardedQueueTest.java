package dev.codeact.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.it.ScriptedModel.Reply;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shared job queue split over three streams: sessions spread over them, every worker reads them all. */
@QuarkusTest
@TestProfile(ShardedQueueTest.ThreeShards.class)
@QuarkusTestResource(value = RealParts.class, restrictToAnnotatedClass = false)
class ShardedQueueTest {

    public static class ThreeShards implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("codeact.queue.shards", "3");
        }
    }

    @TestHTTPResource("/v1/sessions")
    URI sessions;

    /** How many entries were ever added to a stream (XINFO STREAM's entries-added, Redis 7). */
    static long added(String stream) throws Exception {
        String[] info = RedisCli.call(RealParts.redis.port(), "XINFO", "STREAM", stream).split("\n");
        for (int i = 0; i < info.length - 1; i++) {
            if (info[i].equals("entries-added")) {
                return Long.parseLong(info[i + 1].strip());
            }
        }
        throw new AssertionError("no entries-added for " + stream);
    }

    @Test
    void sessionsSpreadOverTheShardsAndEveryActionRuns() throws Exception {
        RealParts.model.reset();
        for (int i = 0; i < 8; i++) {
            RealParts.model.enqueue(Reply.of("<execute>print(" + i + " * 2)</execute>"), Reply.of("ok"));
            assertEquals(Integer.toString(i * 2), CodeActTurnTest.ofType(WsClient.turnInNewSession(sessions, "double " + i),
                    "observation").get(0).get("text").asText());
        }
        long used = 0;
        long total = 0;
        for (int shard = 0; shard < 3; shard++) {
            long n = added("codeact:jobs:" + shard);
            total += n;
            used += n > 0 ? 1 : 0;
        }
        assertEquals(8, total, "each session's first action went to its shard");
        assertTrue(used >= 2, "8 sessions over 3 shards use more than one");
    }
}
