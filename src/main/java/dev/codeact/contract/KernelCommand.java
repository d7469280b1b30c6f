package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One JSON line from the worker to the kernel (see codeact_kernel.py): {@code exec} runs a cell,
 * {@code interrupt} raises KeyboardInterrupt in the running one, {@code alive} feeds its watchdog,
 * and the {@link FileOp} operations ({@code put}, {@code append}, {@code get}, {@code delete},
 * {@code list}) work on its working directory ({@code name}; {@code data} in base64 and {@code last}
 * for the pieces of an upload). An {@code exec} carries {@code tools} when the session's tools
 * differ from what the kernel defined last; {@code tool_result} answers the call {@code id} with a
 * {@code value} or an {@code error}.
 */
public record KernelCommand(String op, String id, String code, String name, String data, boolean last,
                            List<PythonTool> tools, JsonNode value, ToolFailure error) {

    public static final String EXEC = "exec";
    public static final String TOOL_RESULT = "tool_result";
    public static final KernelCommand INTERRUPT = new KernelCommand("interrupt", null, null, null, null, false, null, null, null);
    public static final KernelCommand ALIVE = new KernelCommand("alive", null, null, null, null, false, null, null, null);

    /** @param tools the tools to define first, or null to keep those the kernel has */
    public static KernelCommand exec(String id, String code, List<PythonTool> tools) {
        return new KernelCommand(EXEC, id, code, null, null, false, tools, null, null);
    }

    public static KernelCommand file(String id, FileOp file) {
        return new KernelCommand(file.op(), id, null, file.name(), file.data(), file.last(), null, null, null);
    }

    public static KernelCommand toolResult(String callId, JsonNode value, ToolFailure error) {
        return new KernelCommand(TOOL_RESULT, callId, null, null, null, false, null, value, error);
    }

    /** This exec without its tools (the kernel has them already). */
    public KernelCommand withoutTools() {
        return new KernelCommand(op, id, code, name, data, last, null, value, error);
    }
}
