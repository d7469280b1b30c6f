package dev.codeact.contract;

import java.util.List;

/**
 * The end of one action as the worker reports it.
 *
 * @param output     stdout and stderr interleaved in the order they were written (capped)
 * @param value      {@code repr} of a trailing expression, like a Jupyter cell's result
 * @param error      the exception the code raised, if any
 * @param displays   rich output: what the code displayed, open matplotlib figures, a rich trailing value
 * @param truncated  some output was dropped (a marker in {@code output} says how much)
 * @param timedOut   the wall-time limit interrupted the code
 * @param restarted  the code ran on (or left behind) a fresh interpreter: earlier variables are gone
 * @param cancelled  the client cancelled the action
 * @param sandbox    the sandbox mode the code ran under ({@code runsc}, {@code runsc-do}, {@code none})
 * @param notice     what the model must know beyond the output (e.g. why the interpreter was restarted)
 * @param warning    operator-facing metadata, e.g. that the code ran without a sandbox
 * @param files      the files of the session's working directory after the action (null when unknown)
 */
public record ExecutionResult(
        @Required String output,
        String value,
        ErrorInfo error,
        @Required List<Display> displays,
        long durationMs,
        boolean truncated,
        boolean timedOut,
        boolean restarted,
        boolean cancelled,
        String sandbox,
        String notice,
        String warning,
        List<FileInfo> files) {

    public record ErrorInfo(String name, String value, String traceback) {}

    public ExecutionResult {
        output = output == null ? "" : output;
        displays = displays == null ? List.of() : displays;
    }
}
