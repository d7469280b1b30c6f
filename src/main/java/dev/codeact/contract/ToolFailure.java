package dev.codeact.contract;

/**
 * Why a tool call gave no value. {@code code} is an {@link ErrorCode} ({@code tool_error}: the
 * tool itself failed; {@code tool_timeout}, {@code tool_unavailable}, {@code tool_limit},
 * {@code tool_too_large}, {@code unknown_tool}, {@code tool_forbidden}); the kernel raises it as
 * {@code ToolError} with that code.
 */
public record ToolFailure(@Required String code, @Required String message) {

    /** A failure without a message (an exception's null) still says what happened: its code. */
    public ToolFailure {
        message = message == null ? code : message;
    }

    public static ToolFailure of(ErrorCode code, String message) {
        return new ToolFailure(code.code(), message);
    }
}
