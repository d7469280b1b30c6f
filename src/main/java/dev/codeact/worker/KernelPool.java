package dev.codeact.worker;

import dev.codeact.sandbox.Kernel;
import dev.codeact.sandbox.SandboxLauncher;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The live kernels of this worker, one per session. */
final class KernelPool {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final SandboxLauncher launcher;
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();

    KernelPool(SandboxLauncher launcher) {
        this.launcher = launcher;
    }

    /** Blocking when a kernel must be started: call from a worker thread. */
    Kernel forSession(String session) throws IOException {
        Kernel kernel = kernels.get(session);
        if (kernel != null && kernel.isAlive()) {
            return kernel;
        }
        if (kernel != null) {
            kernels.remove(session, kernel);
            kernel.destroy();
        }
        kernel = Kernel.start(launcher, READY_TIMEOUT);
        kernels.put(session, kernel);
        return kernel;
    }

    void drop(String session, Kernel kernel) {
        kernels.remove(session, kernel);
        kernel.destroy();
    }

    int size() {
        return kernels.size();
    }

    /** Destroys every kernel, in parallel: one slow sandbox must not hold up the others. */
    void closeAll() {
        kernels.values().parallelStream().forEach(Kernel::destroy);
        kernels.clear();
    }
}
