package dev.codeact.sandbox;

import dev.codeact.config.InstanceId;
import dev.codeact.config.WorkerConfig.SandboxMode;
import dev.codeact.config.WorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Starts kernel sandboxes in the configured mode. The kernel source is not a file the sandbox
 * must be able to read: a two-line bootstrap reads it from the first line of stdin, so the host
 * file permissions of the worker's folders never matter inside the sandbox.
 */
@ApplicationScoped
public class SandboxLauncher {

    private static final Logger LOG = Logger.getLogger(SandboxLauncher.class);
    private static final String BOOTSTRAP =
            "import sys,json;exec(compile(json.loads(sys.stdin.buffer.readline()),'<codeact-kernel>','exec'))";

    private final WorkerConfig config;
    private final String instance;
    private final Path stateDir;
    private final String kernelSourceLine;
    private final AtomicLong counter = new AtomicLong();
    /**
     * Told apart from every other process's: runsc names a sandbox's cgroups after its id, host-wide,
     * and two workers may be given one instance id (a copied config, two test runs on one machine).
     */
    private final String nonce = nonce();
    private final AtomicBoolean announced = new AtomicBoolean();
    private FileChannel stateLock;
    private SandboxRoot root;

    public SandboxLauncher(WorkerConfig config, InstanceId instance) {
        this.instance = instance.get();
        this.config = config;
        this.stateDir = Path.of(config.runDir()).toAbsolutePath().resolve(instance.get());
        try (InputStream in = SandboxLauncher.class.getResourceAsStream("/kernel/codeact_kernel.py")) {
            String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            this.kernelSourceLine = dev.codeact.contract.WireJson.MAPPER.writeValueAsString(source) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException("kernel source missing from the build", e);
        }
    }

    private static String nonce() {
        byte[] bytes = new byte[3];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public SandboxMode mode() {
        return config.sandbox();
    }

    /** Logs once what code will run under; {@code none} is loud on purpose. */
    public void announce() {
        if (!announced.compareAndSet(false, true)) {
            return;
        }
        switch (config.sandbox()) {
            case RUNSC -> LOG.infof("sandbox: runsc run with an OCI bundle (state under %s)", stateDir);
            case RUNSC_DO -> LOG.warnf("sandbox: 'runsc --rootless --network=none do' fallback: host root "
                    + "read-only with an overlay, but the code runs as root inside the sandbox");
            case NONE -> LOG.error("!!! SANDBOX DISABLED (codeact.worker.sandbox=none): model-written code runs "
                    + "directly on this host. Only acceptable inside a pod that already runs under gVisor. !!!");
        }
    }

    /** Blocking (≈0.3–0.4 s for runsc): call it from a worker thread, never an event loop. */
    public SandboxProcess start() throws IOException {
        // Unique on the host (see nonce); the worker's instance id comes first, to tell whose it is.
        String id = instance + "-" + nonce + "-k" + counter.incrementAndGet();
        List<String> python = List.of(config.python(), "-I", "-c", BOOTSTRAP);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        env.put("LANG", "C.UTF-8");
        env.put("MPLBACKEND", "Agg");
        // The address-space limit counts reserved memory: glibc reserves 64 MiB per thread for malloc
        // and BLAS starts a thread per host core, so a bare `import numpy` could use up the limit.
        // Two arenas and as many BLAS threads as the sandbox has CPUs keep that room for the code.
        env.put("MALLOC_ARENA_MAX", "2");
        String threads = Integer.toString((int) Math.max(1, Math.ceil(config.cpus())));
        for (String pool : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
            env.put(pool, threads);
        }
        env.put("CODEACT_MAX_OUTPUT_CHARS", Integer.toString(config.maxOutputChars()));
        env.put("CODEACT_MAX_DISPLAY_BYTES", Long.toString(config.maxDisplayBytes()));
        env.put("CODEACT_MAX_FILE_BYTES", Long.toString(config.maxFileBytes()));
        env.put("CODEACT_PRELOAD", config.preload().contains("none") ? "" : String.join(",", config.preload()));
        // The kernel ends itself if its worker process stops talking to it for good (frozen, never resumed).
        env.put("CODEACT_WATCHDOG_MS", Long.toString(config.kernelWatchdog().toMillis()));

        Path bundle = stateDir.resolve("bundles").resolve(id);
        Path runscRoot = stateDir.resolve("runsc");
        List<String> command = new ArrayList<>();
        Path workDir;
        switch (config.sandbox()) {
            case RUNSC -> {
                Files.createDirectories(runscRoot);
                OciBundle.write(bundle, sandboxRoot(), python, env, config);
                command.addAll(List.of(config.runscPath(), "--platform=" + config.runscPlatform(), "--network=none",
                        "--root", runscRoot.toString(), "run", "--bundle", bundle.toString(), id));
                workDir = bundle;
            }
            case RUNSC_DO -> {
                Files.createDirectories(bundle);
                env.put("CODEACT_RLIMITS", selfImposedLimits());
                command.addAll(List.of(config.runscPath(), "--platform=" + config.runscPlatform(), "--rootless", "--network=none",
                        "do", "-quiet", "-cwd", "/tmp"));
                command.addAll(python);
                workDir = bundle;
            }
            default -> {
                workDir = Files.createDirectories(bundle);
                env.put("CODEACT_RLIMITS", selfImposedLimits());
                command.addAll(python);
            }
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        RunningSandbox sandbox = new RunningSandbox(id, process, bundle, runscRoot);
        try {
            sandbox.stdin().write(kernelSourceLine.getBytes(StandardCharsets.UTF_8));
            sandbox.stdin().flush();
        } catch (IOException e) {
            sandbox.destroy();
            throw e;
        }
        return sandbox;
    }

    private synchronized SandboxRoot sandboxRoot() throws IOException {
        if (root == null) {
            root = SandboxRoot.prepare(stateDir.resolve("fs"));
        }
        return root;
    }

    /**
     * Takes this worker's state folder (a lock file held while the process lives) and clears the
     * folders of workers that died without cleaning up (kill -9): their lock is free. Blocking.
     */
    public synchronized void claimStateDir() throws IOException {
        Files.createDirectories(stateDir);
        stateLock = FileChannel.open(stateDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        stateLock.lock();
        try (Stream<Path> siblings = Files.list(stateDir.getParent())) {
            for (Path dir : siblings.filter(d -> !d.equals(stateDir) && Files.isDirectory(d)).toList()) {
                sweepIfStale(dir);
            }
        }
    }

    private void sweepIfStale(Path dir) {
        Path lockFile = dir.resolve("lock");
        if (!Files.exists(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
             FileLock lock = channel.tryLock()) {
            if (lock == null) {
                return; // a live worker
            }
            Path root = dir.resolve("runsc");
            if (Files.isDirectory(root)) {
                try (Stream<Path> states = Files.list(root)) {
                    for (Path state : states.filter(p -> p.toString().endsWith(".state")).toList()) {
                        String name = state.getFileName().toString();
                        String id = name.substring(0, name.indexOf("_sandbox:"));
                        runQuietly(config.runscPath(), "--root", root.toString(), "delete", "-force", id);
                    }
                }
            }
            LOG.infof("removed the sandbox state of a worker that did not stop cleanly: %s", dir);
            deleteTree(dir);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("could not clear %s: %s", dir, e.getMessage());
        }
    }

    /** Without an OCI bundle the kernel limits itself at start (the same values as the bundle's rlimits). */
    private String selfImposedLimits() {
        return "as=" + ((long) config.memoryMb() << 20) + ",nofile=" + config.maxOpenFiles() + ",cpu=" + config.cpuSeconds()
                + ",fsize=" + ((long) config.tmpfsMb() << 20);
    }

    /** Removes this instance's state folder (after every sandbox was destroyed). */
    public synchronized void removeState() {
        deleteTree(stateDir);
        if (stateLock != null) {
            try {
                stateLock.close();
            } catch (IOException ignored) {
                // the folder is gone already
            }
        }
    }

    private void runQuietly(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            LOG.warnf("%s failed: %s", String.join(" ", command), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * runsc (2022-12-19) leaves the cgroups of a killed sandbox behind, empty: one directory per
     * controller named after the sandbox. An empty cgroup is removed with rmdir.
     */
    private static void removeCgroups(String id) {
        Path root = Path.of("/sys/fs/cgroup");
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> controllers = Files.list(root)) {
            for (Path controller : controllers.toList()) {
                Path group = controller.resolve(id);
                if (Files.isDirectory(group)) {
                    try {
                        Files.delete(group);
                    } catch (IOException stillInUse) {
                        LOG.debugf("cgroup %s not removed: %s", group, stillInUse.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            LOG.debugf("cgroups of %s not looked at: %s", id, e.getMessage());
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("could not remove %s: %s", dir, e.getMessage());
        }
    }

    private final class RunningSandbox implements SandboxProcess {
        private final String id;
        private final Process process;
        private final Path bundle;
        private final Path runscRoot;
        private final AtomicBoolean destroyed = new AtomicBoolean();

        RunningSandbox(String id, Process process, Path bundle, Path runscRoot) {
            this.id = id;
            this.process = process;
            this.bundle = bundle;
            this.runscRoot = runscRoot;
        }

        @Override
        public OutputStream stdin() {
            return process.getOutputStream();
        }

        @Override
        public InputStream stdout() {
            return process.getInputStream();
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public int exitStatus(long ms) {
            try {
                return process.waitFor(ms, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        /**
         * Measured with runsc 2022-12-19: {@code runsc kill ID KILL} takes ≈ 30 ms and lets
         * {@code runsc run} exit and clean its state; {@code delete -force} on a running sandbox
         * takes ≈ 5 s, so it is only the last resort for state a crashed runsc left behind.
         */
        @Override
        public void destroy() {
            if (!destroyed.compareAndSet(false, true)) {
                return;
            }
            boolean runsc = config.sandbox() == SandboxMode.RUNSC;
            if (runsc && process.isAlive()) {
                runQuietly(config.runscPath(), "--root", runscRoot.toString(), "kill", id, "KILL");
            }
            if (!exited(2)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                exited(5);
            }
            if (runsc && Files.exists(runscRoot.resolve(id + "_sandbox:" + id + ".state"))) {
                runQuietly(config.runscPath(), "--root", runscRoot.toString(), "delete", "-force", id);
            }
            deleteTree(bundle);
            if (runsc) {
                removeCgroups(id);
            }
        }

        private boolean exited(int seconds) {
            try {
                return process.waitFor(seconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
