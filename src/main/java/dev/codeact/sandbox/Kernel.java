package dev.codeact.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.KernelCommand;
import dev.codeact.contract.KernelFrame;
import dev.codeact.contract.PythonTool;
import dev.codeact.contract.Result;
import dev.codeact.contract.ToolFailure;
import dev.codeact.contract.WireJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The worker's handle on one sandboxed interpreter. A daemon thread per kernel reads its frames
 * (pipes have no non-blocking API on the JVM); writes are small and happen on the caller's
 * (worker) thread.
 */
public final class Kernel {

    /** Receives what one action produces. Called on the kernel's reader thread. */
    public interface Listener {
        void onStream(String name, String text);

        /** A piece of the file a {@code get} reads, base64, in order. */
        void onFileData(String base64);

        /**
         * The cell called a tool and waits until {@link #answerTool} answers {@code callId}.
         * {@code args} is a JSON object; {@code frameBytes} is the size of the frame that carried it.
         */
        void onToolCall(String callId, String tool, JsonNode args, int frameBytes);

        void onDone(KernelFrame done);

        /** The sandbox died or broke the protocol while the action ran. */
        void onLost(String reason);

        /**
         * The frames of one read of the kernel's pipe were all passed on: what they produced can
         * leave together (a cell's last output and its done frame usually share a read).
         */
        void onFramesRead();
    }

    private static final Logger LOG = Logger.getLogger(Kernel.class);
    /** Above the largest frame a kernel within its limits sends (images, and a clipped value and error in JSON). */
    private static final int MAX_FRAME_BYTES = 32 << 20;

    private final SandboxProcess sandbox;
    private final CompletableFuture<KernelFrame> ready = new CompletableFuture<>();
    private final Object writeLock = new Object();
    private volatile Listener current;
    private volatile String currentId;
    private volatile String lostReason;
    /** The tools the kernel defined last (the worker's threads run one job at a time on it). */
    private List<PythonTool> toolsDefined = List.of();

    private Kernel(SandboxProcess sandbox) {
        this.sandbox = sandbox;
    }

    /** Blocking: starts a sandbox and waits until the kernel inside says it is ready. */
    public static Kernel start(SandboxLauncher launcher, Duration readyTimeout) throws IOException {
        Kernel kernel = new Kernel(launcher.start());
        Thread reader = new Thread(kernel::readFrames, "kernel-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            kernel.ready.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return kernel;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kernel.destroy();
            throw new IOException("interrupted while the kernel started", e);
        } catch (ExecutionException | TimeoutException e) {
            kernel.destroy();
            throw new IOException("kernel did not start: " + (e.getCause() != null ? e.getCause().getMessage() : "timeout"), e);
        }
    }

    public boolean isAlive() {
        return lostReason == null && sandbox.isAlive();
    }

    public boolean isBusy() {
        return current != null;
    }

    /** Starts one action (a cell or a file operation); its frames go to {@code listener}. Blocking write of one frame. */
    public void run(KernelCommand command, Listener listener) throws IOException {
        if (current != null) {
            throw new IllegalStateException("kernel is busy with " + currentId);
        }
        if (command.tools() != null) {
            if (command.tools().equals(toolsDefined)) {
                command = command.withoutTools(); // the pipe into a sandbox is not free: send them when they change
            } else {
                toolsDefined = command.tools();
            }
        }
        currentId = command.id();
        current = listener;
        write(command);
    }

    /** Answers the running cell's tool call {@code callId}: a value, or (with {@code error}) a ToolError. */
    public void answerTool(String callId, JsonNode value, ToolFailure error) {
        try {
            write(KernelCommand.toolResult(callId, value, error));
        } catch (IOException e) {
            LOG.debugf("tool result not delivered: %s", e.getMessage());
        }
    }

    /** Raises KeyboardInterrupt in the running action; state survives. */
    public void interrupt() {
        try {
            write(KernelCommand.INTERRUPT);
        } catch (IOException e) {
            LOG.debugf("interrupt not delivered: %s", e.getMessage());
        }
    }

    /** Tells the kernel its worker is alive; without it for a while the kernel ends itself (its watchdog). */
    public void keepAlive() {
        try {
            write(KernelCommand.ALIVE);
        } catch (IOException e) {
            LOG.debugf("keep-alive not delivered: %s", e.getMessage());
        }
    }

    public void destroy() {
        sandbox.destroy();
    }

    private void write(KernelCommand frame) throws IOException {
        byte[] line = (WireJson.MAPPER.writeValueAsString(frame) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (writeLock) {
            OutputStream out = sandbox.stdin();
            out.write(line);
            out.flush();
        }
    }

    private void readFrames() {
        String reason = "the interpreter exited";
        try (InputStream in = sandbox.stdout()) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            int n;
            outer:
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                Listener reading = current;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        line.write(buf, start, i - start);
                        if (!dispatch(line.toString(StandardCharsets.UTF_8), line.size())) {
                            reason = "the kernel broke its protocol";
                            break outer;
                        }
                        line.reset();
                        start = i + 1;
                    }
                }
                line.write(buf, start, n - start);
                if (reading != null) {
                    reading.onFramesRead();
                }
                if (line.size() > MAX_FRAME_BYTES) {
                    reason = "the kernel sent a frame over " + MAX_FRAME_BYTES + " bytes";
                    break;
                }
            }
        } catch (IOException e) {
            reason = "the kernel's pipe failed: " + e.getMessage();
        }
        lostReason = reason;
        ready.completeExceptionally(new IOException(reason));
        sandbox.destroy();
        // Read after the teardown, which waits for the process: no wait of its own. The kernel's
        // watchdog ends it when the worker went quiet for too long, and the operator must know.
        int status = sandbox.exitStatus(0);
        if (status == SandboxProcess.WATCHDOG_EXIT) {
            LOG.warnf("a kernel ended itself: its worker had not kept it alive (%s)", reason);
        } else {
            LOG.debugf("a kernel's sandbox ended: %s (exit status %d)", reason, status);
        }
        Listener listener = current;
        current = null;
        if (listener != null) {
            listener.onLost(reason);
        }
    }

    /** @return false when the frame is not the kernel protocol (the sandbox is then dropped) */
    private boolean dispatch(String json, int bytes) {
        KernelFrame frame;
        try {
            frame = WireJson.MAPPER.readValue(json, KernelFrame.class);
        } catch (JsonProcessingException e) {
            LOG.warnf("kernel frame is not JSON: %.200s", json);
            return false;
        }
        if (frame.ev() == null) {
            return false;
        }
        switch (frame.ev()) {
            case KernelFrame.READY -> ready.complete(frame);
            case KernelFrame.STREAM -> {
                Listener listener = current;
                if (listener != null && frame.text() != null && frame.id() != null && frame.id().equals(currentId)) {
                    if (Result.FILE.equals(frame.name())) {
                        listener.onFileData(frame.text());
                    } else {
                        listener.onStream("stderr".equals(frame.name()) ? "stderr" : "stdout", frame.text());
                    }
                }
            }
            case KernelFrame.TOOL_CALL -> {
                Listener listener = current;
                if (frame.call() == null || frame.tool() == null || frame.args() == null || !frame.args().isObject()) {
                    return false;
                }
                if (listener != null && frame.id() != null && frame.id().equals(currentId)) {
                    listener.onToolCall(frame.call(), frame.tool(), frame.args(), bytes);
                } else {
                    answerTool(frame.call(), null, ToolFailure.of(ErrorCode.TOOL_UNAVAILABLE,
                            "tools can be called only while an action runs"));
                }
            }
            case KernelFrame.DONE -> {
                Listener listener = current;
                if (listener != null && frame.id() != null && frame.id().equals(currentId)) {
                    current = null;
                    listener.onDone(frame);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
