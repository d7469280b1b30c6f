package dev.codeact.tools;

import dev.codeact.contract.ServerEvent;

/** What a session's {@link ToolCalls} needs from the session. */
public interface ToolHost {

    String id();

    /** The principal that owns the session (whose allow-list applies). */
    String owner();

    /** Runs {@code action} on the session's context. */
    void run(Runnable action);

    void emit(ServerEvent event);

    /** The session's tools now. */
    Toolbox toolbox();

    /** Whether a client that can answer a client tool (a WebSocket) is attached. */
    boolean canAnswerTools();
}
