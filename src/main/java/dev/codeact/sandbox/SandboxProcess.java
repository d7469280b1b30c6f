package dev.codeact.sandbox;

import java.io.InputStream;
import java.io.OutputStream;

/** A started sandbox: the pipes of the kernel inside it, and how to tear it down completely. */
public interface SandboxProcess {

    OutputStream stdin();

    InputStream stdout();

    boolean isAlive();

    /**
     * Waits up to {@code ms} (0: not at all) for the sandbox to end; its exit status, or -1 if it
     * still runs. The kernel's own watchdog exits with {@link #WATCHDOG_EXIT}.
     */
    int exitStatus(long ms);

    int WATCHDOG_EXIT = 3;

    /** Kills the sandbox (and everything in it) and removes what it left on disk. Idempotent. */
    void destroy();
}
