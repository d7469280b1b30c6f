package dev.codeact.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codeact.config.WorkerConfig;
import dev.codeact.contract.WireJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the OCI {@code config.json} of one kernel sandbox: a read-only root holding only the
 * host's {@code /usr} and a minimal {@code /etc} ({@link SandboxRoot}), a private size-limited
 * tmpfs on /tmp (also the working directory), uid/gid 65534, an explicit environment, rlimits
 * that keep the interpreter alive (MemoryError, BlockingIOError), a cgroup memory limit above
 * them as the outer guard that kills the whole sandbox, and a CPU quota so that one session
 * cannot take the CPUs of the others.
 */
final class OciBundle {

    private static final int NOBODY = 65534;
    private static final long CPU_PERIOD_US = 100_000;

    private OciBundle() {}

    static void write(Path bundle, SandboxRoot root, List<String> args, Map<String, String> env, WorkerConfig config)
            throws IOException {
        Files.createDirectories(bundle);
        ObjectNode spec = WireJson.MAPPER.createObjectNode();
        spec.put("ociVersion", "1.0.0");
        spec.put("hostname", "sandbox");

        ObjectNode process = spec.putObject("process");
        process.put("terminal", false);
        process.putObject("user").put("uid", NOBODY).put("gid", NOBODY);
        ArrayNode argv = process.putArray("args");
        args.forEach(argv::add);
        ArrayNode envs = process.putArray("env");
        env.forEach((k, v) -> envs.add(k + "=" + v));
        process.put("cwd", "/tmp");
        process.put("noNewPrivileges", true);
        ArrayNode rlimits = process.putArray("rlimits");
        long memory = (long) config.memoryMb() << 20;
        rlimit(rlimits, "RLIMIT_AS", memory);
        rlimit(rlimits, "RLIMIT_NPROC", config.maxProcesses());
        rlimit(rlimits, "RLIMIT_NOFILE", config.maxOpenFiles());
        rlimit(rlimits, "RLIMIT_CPU", config.cpuSeconds());
        rlimit(rlimits, "RLIMIT_FSIZE", (long) config.tmpfsMb() << 20);

        spec.putObject("root").put("path", root.root.toString()).put("readonly", true);

        ArrayNode mounts = spec.putArray("mounts");
        mounts.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
        mounts.addObject().put("destination", "/dev").put("type", "tmpfs").put("source", "tmpfs");
        mounts.addObject().put("destination", "/sys").put("type", "sysfs").put("source", "sysfs")
                .putArray("options").add("nosuid").add("noexec").add("nodev").add("ro");
        mounts.addObject().put("destination", "/usr").put("type", "bind").put("source", "/usr")
                .putArray("options").add("rbind").add("ro").add("nosuid").add("nodev");
        // Host tools and locally installed programs live here, not the interpreter: masked by an empty folder.
        mounts.addObject().put("destination", "/usr/local").put("type", "tmpfs").put("source", "tmpfs")
                .putArray("options").add("ro").add("size=4k").add("nosuid").add("nodev");
        mounts.addObject().put("destination", "/etc").put("type", "bind").put("source", root.etc.toString())
                .putArray("options").add("rbind").add("ro").add("nosuid").add("nodev");
        mounts.addObject().put("destination", "/tmp").put("type", "tmpfs").put("source", "tmpfs")
                .putArray("options").add("size=" + config.tmpfsMb() + "m").add("mode=1777").add("nosuid").add("nodev");

        ObjectNode linux = spec.putObject("linux");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "network", "ipc", "uts", "mount")) {
            namespaces.addObject().put("type", ns);
        }
        // The cgroup limit sits above the rlimit: it only fires if the rlimit was not enough,
        // and then kills the sandbox rather than the host.
        ObjectNode resources = linux.putObject("resources");
        resources.putObject("memory").put("limit", memory + (256L << 20));
        // Equal weights, and a ceiling: a busy session gets at most codeact.worker.cpus of the host.
        resources.putObject("cpu").put("shares", 1024).put("period", CPU_PERIOD_US)
                .put("quota", Math.round(config.cpus() * CPU_PERIOD_US));

        Files.writeString(bundle.resolve("config.json"), spec.toPrettyString());
    }

    private static void rlimit(ArrayNode rlimits, String type, long value) {
        rlimits.addObject().put("type", type).put("hard", value).put("soft", value);
    }
}
