package dev.codeact.queue;

import dev.codeact.config.CodeactConfig;
import dev.codeact.config.QueueConfig;
import dev.codeact.contract.RedisKeys;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The key layout of the contract, with this deployment's prefix and shard count. */
public class KeysProducer {

    @Produces
    @Singleton
    RedisKeys keys(CodeactConfig config, QueueConfig queue) {
        return new RedisKeys(config.keyPrefix(), queue.shards());
    }
}
