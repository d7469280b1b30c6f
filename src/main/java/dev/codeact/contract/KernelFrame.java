package dev.codeact.contract;

import dev.codeact.contract.ExecutionResult.ErrorInfo;
import dev.codeact.contract.ExecutionResult.Image;
import java.util.List;

/** One JSON line from the kernel: {@code ready}, {@code stream} or {@code done} (see codeact_kernel.py). */
public record KernelFrame(String ev, String id, String name, String text, String value, ErrorInfo error, List<Image> images,
                          long durationMs, boolean truncated, long droppedChars, String python) {
}
