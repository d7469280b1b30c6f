package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.config.CodeactConfig;
import dev.codeact.config.InstanceId;
import dev.codeact.config.WorkerConfig;
import dev.codeact.sandbox.SandboxLauncher;
import dev.codeact.sandbox.SandboxProcess;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which sandbox a new session gets: a warm one, or the one starting for the warm pool, before a
 * start of its own (real kernels, unsandboxed for speed: the pool's choices are the same under runsc).
 */
class KernelPoolTest {

    @TempDir
    Path dir;

    final ExecutorService blocking = Executors.newCachedThreadPool();
    KernelPool pool;

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.closeAll();
        }
        blocking.shutdownNow();
    }

    /** The real launcher; its first start waits for {@link #firstMayStart}, and every start is counted and kept in order. */
    final class Launcher extends SandboxLauncher {
        final CountDownLatch firstMayStart = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        final List<SandboxProcess> started = new CopyOnWriteArrayList<>();

        Launcher() {
            super(config().getConfigMapping(WorkerConfig.class), new InstanceId(config().getConfigMapping(CodeactConfig.class)));
        }

        @Override
        public SandboxProcess start() throws IOException {
            if (calls.getAndIncrement() == 0) {
                try {
                    firstMayStart.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            SandboxProcess p = super.start();
            started.add(p);
            return p;
        }
    }

    SmallRyeConfig config() {
        return new SmallRyeConfigBuilder().withMapping(WorkerConfig.class).withMapping(CodeactConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of("codeact.worker.sandbox", "none",
                        "codeact.worker.run-dir", dir.toString(), "codeact.worker.preload", "none",
                        "codeact.instance-id", "pool-test"), "test", 500))
                .build();
    }

    CompletableFuture<KernelPool.Lease> newSession(String session) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return pool.forSession(session, "alice");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, blocking);
    }

    /** Pool of one warm sandbox whose start waits; two starts may run at once, so nothing but the pool's choice stops a cold start. */
    Launcher poolWithItsWarmStartHeld() {
        Launcher launcher = new Launcher();
        pool = new KernelPool(launcher, blocking, 1, 8, 2, (session, principal, reason) -> { });
        pool.refill();
        return launcher;
    }

    @Test
    void aNewSessionTakesTheSandboxStartingForTheWarmPoolRatherThanStartingItsOwn() throws Exception {
        Launcher launcher = poolWithItsWarmStartHeld();
        CompletableFuture<KernelPool.Lease> lease = newSession("s1");
        // A session that started its own would call the launcher at once: give it two seconds to.
        for (int i = 0; i < 100 && launcher.calls.get() < 2; i++) {
            Thread.sleep(20);
        }
        assertEquals(1, launcher.calls.get(), "no start of the session's own while the pool's is under way");
        assertFalse(lease.isDone());
        launcher.firstMayStart.countDown();
        KernelPool.Lease got = lease.get(60, TimeUnit.SECONDS);
        assertTrue(got.fresh());
        launcher.started.get(0).destroy();
        assertFalse(got.kernel().isAlive(), "the session's kernel is the one started for the pool");
    }

    @Test
    void onlyAsManySessionsWaitAsStartsAreUnderWay() throws Exception {
        Launcher launcher = poolWithItsWarmStartHeld();
        CompletableFuture<KernelPool.Lease> first = newSession("s1");
        for (int i = 0; i < 3000 && pool.waitingCount() == 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(1, pool.waitingCount(), "the first session waits for the warm start");
        KernelPool.Lease second = newSession("s2").get(60, TimeUnit.SECONDS);
        assertTrue(second.kernel().isAlive(), "the second starts its own while the first waits");
        assertFalse(first.isDone());
        launcher.firstMayStart.countDown();
        assertTrue(first.get(60, TimeUnit.SECONDS).kernel().isAlive());
    }
}
