package dev.codeact.contract;

/**
 * One JSON line from the worker to the kernel (see codeact_kernel.py): {@code exec} runs a cell,
 * {@code interrupt} raises KeyboardInterrupt in the running one, {@code alive} feeds its watchdog,
 * and the {@link FileOp} operations ({@code put}, {@code append}, {@code get}, {@code delete},
 * {@code list}) work on its working directory ({@code name}; {@code data} in base64 and {@code last}
 * for the pieces of an upload).
 */
public record KernelCommand(String op, String id, String code, String name, String data, boolean last) {

    public static final KernelCommand INTERRUPT = new KernelCommand("interrupt", null, null, null, null, false);
    public static final KernelCommand ALIVE = new KernelCommand("alive", null, null, null, null, false);

    public static KernelCommand exec(String id, String code) {
        return new KernelCommand("exec", id, code, null, null, false);
    }

    public static KernelCommand file(String id, FileOp file) {
        return new KernelCommand(file.op(), id, null, file.name(), file.data(), file.last());
    }
}
