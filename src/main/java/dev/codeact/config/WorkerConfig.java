package dev.codeact.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

@ConfigMapping(prefix = "codeact.worker")
public interface WorkerConfig {

    enum SandboxMode {
        /** {@code runsc run} on an OCI bundle the worker writes (the default). */
        RUNSC,
        /** {@code runsc --rootless --network=none do}: where a bundle cannot be used. */
        RUNSC_DO,
        /** No sandbox: only where the process already runs under gVisor (one session per pod), or for debugging. */
        NONE;

        /** The name used in configuration and in observations ({@code runsc-do}). */
        public String label() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    @WithDefault("runsc")
    SandboxMode sandbox();

    @WithDefault("runsc")
    String runscPath();

    /**
     * gVisor's platform ({@code runsc --platform}). {@code systrap}, the default of runsc releases
     * since 2023, makes syscalls cheaper, but each of its idle sandboxes burns a few percent of a
     * core, and a worker keeps a sandbox per session between actions: {@code ptrace}'s idle
     * sandboxes cost next to nothing (docs/performance.md, the sandbox platform).
     */
    @WithDefault("ptrace")
    @Pattern(regexp = "ptrace|systrap|kvm", message = "must be ptrace, systrap or kvm")
    String runscPlatform();

    /** Python inside the sandbox (the host's /usr is mounted read-only there, so a path under /usr). */
    @WithDefault("/usr/bin/python3")
    String python();

    /** Bundles and the runsc state root live under this folder (one sub-folder per worker instance). */
    @WithDefault("run/worker")
    String runDir();

    /**
     * Actions that run at the same time on this worker; the rest wait in Redis, in order. Default:
     * 8 per CPU core (actions often wait on I/O, tools or the model, so more than one per core).
     */
    @Positive
    OptionalInt concurrency();

    /**
     * Actions that may wait for this worker beyond those it runs. When every worker's running and
     * waiting places are taken, gateways refuse new sessions, turns and executions up front with
     * {@code overloaded} (and a Retry-After) rather than queue work that would wait for minutes;
     * what was admitted still runs, however long it waits. Default: 3 × concurrency.
     */
    @PositiveOrZero
    OptionalInt runQueue();

    /** After an interrupt, how long the kernel gets before its sandbox is killed. */
    @WithDefault("5s")
    Duration interruptGrace();

    /**
     * Output kept per action; beyond it the middle is dropped with a marker. The kernel keeps to
     * it, and the worker enforces it whatever the kernel sends.
     */
    @WithDefault("1000000")
    @Min(1000)
    int maxOutputChars();

    /**
     * Bytes of rich output one action may return in all: figures, displayed HTML, SVG, markdown
     * (base64 images counted decoded). Displays beyond it are left out, and the output says so.
     * Enforced by the worker whatever the kernel sends.
     */
    @WithDefault("4194304")
    @Min(1024)
    long maxDisplayBytes();

    /**
     * Bytes of one file put into or read from a session's working directory through the sessions
     * API (all of a session's files together are bounded by {@code tmpfs-mb}).
     */
    @WithDefault("16777216")
    @Min(1)
    long maxFileBytes();

    /**
     * Shortest time between two live output chunks of one action: output arriving in between is
     * merged, which bounds the events a chatty (or hostile) action can cause.
     */
    @WithDefault("20ms")
    Duration chunkInterval();

    /** Address-space rlimit of the interpreter (MemoryError instead of a dead sandbox). */
    @WithDefault("1024")
    @Min(64)
    int memoryMb();

    /** Size of the sandbox's private /tmp (also the working directory). */
    @WithDefault("64")
    @Positive
    int tmpfsMb();

    /** CPUs one sandbox may use at most (a cgroup CPU quota), so one session cannot starve the others. */
    @WithDefault("1.0")
    @DecimalMin("0.01")
    double cpus();

    /** RLIMIT_NPROC inside the sandbox. */
    @WithDefault("64")
    @Positive
    int maxProcesses();

    /** RLIMIT_NOFILE inside the sandbox. */
    @WithDefault("256")
    @Min(16)
    int maxOpenFiles();

    /** RLIMIT_CPU (seconds) of the interpreter: bounds total CPU time of one kernel. */
    @WithDefault("3600")
    @Positive
    int cpuSeconds();

    /**
     * Session kernels one worker holds at once; an action of one more session gets the error
     * {@code Overloaded} in its observation (warm sandboxes are not counted: see warm-pool).
     */
    @WithDefault("64")
    @Positive
    int maxKernels();

    /** Sandboxes started ahead of need, so a new session's first action skips the cold start. */
    @WithDefault("2")
    @PositiveOrZero
    int warmPool();

    /**
     * Modules every kernel imports in the background as soon as it is ready, so a session's first
     * action that uses them does not wait seconds for their import under gVisor (a warm sandbox has
     * them loaded before its session arrives). Each costs memory in every kernel; a module that is
     * not installed is skipped; {@code none} preloads nothing.
     */
    @WithDefault("numpy,pandas,matplotlib.pyplot")
    List<@Pattern(regexp = "[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*",
            message = "must be a Python module name such as numpy or matplotlib.pyplot") String> preload();

    /** A session's kernel unused for this long is stopped (its state is lost, and the next observation says so). */
    @WithDefault("30m")
    Duration idleTimeout();

    /**
     * Sandboxes starting at once on this worker (cold starts, for new sessions and the warm pool);
     * more wait their turn, so a burst of new sessions cannot starve the running ones nor time its
     * own starts out. Default: the number of CPU cores.
     */
    OptionalInt sandboxStarts();

    /**
     * A kernel that hears nothing from its worker for this long ends itself: the bound for a
     * worker process that froze for good. A worker that learns a peer took it over ends its kernels
     * itself, at once; a worker that was only slow keeps them.
     */
    @WithDefault("5m")
    Duration kernelWatchdog();

    /** How often the worker renews its heartbeat key and looks for dead workers to take over. */
    @WithDefault("2s")
    Duration heartbeatInterval();

    /** Lifetime of the heartbeat key: a worker silent for this long is considered gone. */
    @WithDefault("6s")
    Duration heartbeatTtl();

    /** On SIGTERM, how long running actions get to finish before they are handed back. */
    @WithDefault("20s")
    Duration shutdownGrace();

    /** Longest wall time a job may ask for ({@code timeout_ms} comes from the gateway, and is capped here). */
    @WithDefault("10m")
    Duration maxActionTimeout();
}
