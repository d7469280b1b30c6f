package dev.codeact.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Redis Cluster slots as Redis computes them, and the keys that must share one. */
class RedisKeysTest {

    @Test
    void slotsAreRedisOwn() {
        // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
        assertEquals(12182, RedisKeys.slot("foo"));
        assertEquals(5061, RedisKeys.slot("bar"));
        assertEquals(RedisKeys.slot("user1000"), RedisKeys.slot("{user1000}.following"));
        assertEquals(RedisKeys.slot("{}x"), RedisKeys.slot("{}x"), "an empty tag hashes the whole key");
        assertEquals(RedisKeys.slot("a{b}c"), RedisKeys.slot("b"));
    }

    /** What one command or script touches together lies in one slot. */
    @Test
    void keysUsedTogetherShareASlot() {
        RedisKeys keys = new RedisKeys("codeact:", 4);
        int session = RedisKeys.slot(keys.events("s1"));
        for (String key : keys.sessionKeys("s1")) {
            assertEquals(session, RedisKeys.slot(key), key + " is deleted with the session's other keys");
        }
        int worker = RedisKeys.slot(keys.workerJobs("w1"));
        for (String key : List.of(keys.heartbeat("w1"), keys.toolReplies("w1"), keys.rescueLock("w1"))) {
            assertEquals(worker, RedisKeys.slot(key), key + " goes with the worker's stream (its script, its forgetting)");
        }
    }
}
