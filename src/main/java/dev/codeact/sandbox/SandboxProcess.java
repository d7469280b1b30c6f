package dev.codeact.sandbox;

import java.io.InputStream;
import java.io.OutputStream;

/** A started sandbox: the pipes of the kernel inside it, and how to tear it down completely. */
public interface SandboxProcess {

    OutputStream stdin();

    InputStream stdout();

    boolean isAlive();

    /** Kills the sandbox (and everything in it) and removes what it left on disk. Idempotent. */
    void destroy();
}
