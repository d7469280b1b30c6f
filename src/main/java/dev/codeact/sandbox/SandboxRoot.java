package dev.codeact.sandbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * The file system a kernel sandbox sees, prepared once per worker: an empty read-only root with
 * the host's {@code /usr} (the interpreter and the Debian libraries) and a minimal {@code /etc}
 * of its own. Nothing else of the host exists inside: not the project, the run folder, home
 * folders, {@code /var}, {@code /run} or {@code /usr/local} (tool folders).
 */
public final class SandboxRoot {

    /**
     * Host {@code /etc} entries the interpreter and the data-science libraries read: the dynamic
     * loader's cache, Debian's alternatives (BLAS/LAPACK are reached through them), fonts and
     * matplotlib's settings, time zones, Python's Debian config. Entries missing on a host are skipped.
     */
    public static final List<String> HOST_ETC = List.of("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
            "localtime", "timezone", "fonts", "matplotlibrc", "mime.types", "python3", "python3.11", "protocols",
            "services", "os-release", "debian_version");

    /** Links a merged-/usr Debian expects at the top. */
    private static final List<String> USR_LINKS = List.of("bin", "lib", "lib64", "sbin");

    final Path root;
    final Path etc;

    private SandboxRoot(Path root, Path etc) {
        this.root = root;
        this.etc = etc;
    }

    /** Blocking: writes {@code dir/root} and {@code dir/etc} (replacing what an earlier start left). */
    static SandboxRoot prepare(Path dir) throws IOException {
        Path root = dir.resolve("root");
        Path etc = dir.resolve("etc");
        Files.createDirectories(root);
        for (String mountPoint : List.of("usr", "etc", "tmp", "proc", "dev", "sys")) {
            Files.createDirectories(root.resolve(mountPoint));
        }
        for (String link : USR_LINKS) {
            Path at = root.resolve(link);
            if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(at, Path.of("usr", link));
            }
        }
        Files.createDirectories(etc);
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                + "nobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        Files.writeString(etc.resolve("hosts"), "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost\n");
        Files.writeString(etc.resolve("hostname"), "sandbox\n");
        Files.writeString(etc.resolve("nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files\n");
        Path hostEtc = Path.of("/etc");
        for (String name : HOST_ETC) {
            Path source = hostEtc.resolve(name);
            if (Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                copyTree(source, etc.resolve(name));
            }
        }
        readableInside(root);
        readableInside(etc);
        return new SandboxRoot(root, etc);
    }

    /**
     * The code runs as nobody inside, and sees these files with their host modes: folders 0755,
     * files 0644, whatever the worker's umask (bin/codeact runs with 077). Links are left alone
     * (they point into /usr).
     */
    private static void readableInside(Path top) throws IOException {
        Set<PosixFilePermission> folder = PosixFilePermissions.fromString("rwxr-xr-x");
        Set<PosixFilePermission> file = PosixFilePermissions.fromString("rw-r--r--");
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.setPosixFilePermissions(dir, folder);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path path, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    Files.setPosixFilePermissions(path, file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Copies files and symbolic links as they are (links are not followed: they point into /usr). */
    private static void copyTree(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path to = target.resolve(source.relativize(file).toString());
                if (attrs.isSymbolicLink() || attrs.isRegularFile()) {
                    Files.deleteIfExists(to);
                    Files.copy(file, to, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
