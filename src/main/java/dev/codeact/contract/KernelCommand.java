package dev.codeact.contract;

/**
 * One JSON line from the worker to the kernel (see codeact_kernel.py): {@code exec} runs a cell,
 * {@code interrupt} raises KeyboardInterrupt in the running one, {@code alive} feeds its watchdog.
 */
public record KernelCommand(String op, String id, String code) {

    public static final KernelCommand INTERRUPT = new KernelCommand("interrupt", null, null);
    public static final KernelCommand ALIVE = new KernelCommand("alive", null, null);

    public static KernelCommand exec(String id, String code) {
        return new KernelCommand("exec", id, code);
    }
}
