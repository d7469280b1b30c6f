package dev.codeact.queue;

import java.util.List;

/**
 * The end of one action as the worker reports it.
 *
 * @param output     stdout and stderr interleaved in the order they were written (capped)
 * @param value      {@code repr} of a trailing expression, like a Jupyter cell's result
 * @param error      the exception the code raised, if any
 * @param truncated  some output was dropped (a marker in {@code output} says how much)
 * @param timedOut   the wall-time limit interrupted the code
 * @param restarted  the interpreter was restarted: earlier variables are gone
 * @param cancelled  the client cancelled the action
 * @param sandbox    the sandbox mode the code ran under
 */
public record ExecutionResult(
        String output,
        String value,
        ErrorInfo error,
        List<Image> images,
        long durationMs,
        boolean truncated,
        boolean timedOut,
        boolean restarted,
        boolean cancelled,
        String sandbox) {

    public record ErrorInfo(String name, String value, String traceback) {}

    public record Image(String mime, String data) {}

    /** A result for an action that could not run at all (never reached a kernel, or lost it). */
    public static ExecutionResult failure(String name, String message, boolean restarted, String sandbox) {
        return new ExecutionResult("", null, new ErrorInfo(name, message, name + ": " + message), List.of(), 0,
                false, false, restarted, false, sandbox);
    }
}
