package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.contract.ExecutionResult.ErrorInfo;
import java.util.List;

/**
 * One JSON line from the kernel (see codeact_kernel.py): {@value #READY} ({@code python}, {@code pid}),
 * {@value #STREAM} ({@code id}, {@code name}: stdout, stderr, or file for a piece of the file a get
 * reads, base64; {@code text}), {@value #TOOL_CALL} ({@code id}, {@code call}, {@code tool}, {@code args}: the
 * cell called a tool and waits for its {@code tool_result}) or {@value #DONE} (the cell's end). The
 * kernel runs untrusted code, so every field may be missing; the reader checks what it uses.
 */
public record KernelFrame(String ev, String id, String name, String text, String value, ErrorInfo error, List<Display> displays,
                          long durationMs, boolean truncated, long droppedChars, String python, Long pid, List<FileInfo> files,
                          String call, String tool, JsonNode args) {

    public static final String READY = "ready";
    public static final String STREAM = "stream";
    public static final String DONE = "done";
    public static final String TOOL_CALL = "tool_call";
}
