package dev.codeact.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The native executable keeps what is only reached by reflection or read from the classpath at run
 * time: every record of the wire contract is registered for Jackson (WireTypes), and every resource
 * the code reads is in quarkus.native.resources.includes. A new payload type or resource that is
 * not registered fails here, not in a native build that cannot run on this machine.
 */
class NativeRegistrationTest {

    static final Path CONTRACT = Path.of("src/main/java/dev/codeact/contract");
    static final Path RESOURCES = Path.of("src/main/resources");

    @Test
    void everyRecordOfTheContractIsRegisteredForReflection() throws Exception {
        Set<String> registered = new TreeSet<>();
        for (Class<?> type : WireTypes.class.getAnnotation(RegisterForReflection.class).targets()) {
            registered.add(type.getName());
        }
        Set<String> records = new TreeSet<>();
        try (Stream<Path> files = Files.list(CONTRACT)) {
            for (Path file : files.toList()) {
                collect(Class.forName("dev.codeact.contract." + file.getFileName().toString().replace(".java", "")), records);
            }
        }
        assertTrue(records.size() > 30, "the contract's records were found: " + records);
        Set<String> missing = new TreeSet<>(records);
        missing.removeAll(registered);
        assertEquals(Set.of(), missing, "add them to WireTypes' @RegisterForReflection");
    }

    private static void collect(Class<?> type, Set<String> records) {
        if (type.isRecord()) {
            records.add(type.getName());
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            collect(nested, records);
        }
    }

    /** Static web files (META-INF/resources) are kept by Quarkus itself; everything else read at run time must be listed. */
    @Test
    void everyResourceTheCodeReadsIsIncludedInTheNativeImage() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(RESOURCES.resolve("application.properties"))) {
            properties.load(in);
        }
        List<PathMatcher> included = new ArrayList<>();
        for (String glob : properties.getProperty("quarkus.native.resources.includes", "").split(",")) {
            included.add(FileSystems.getDefault().getPathMatcher("glob:" + glob.strip()));
        }
        List<String> left = new ArrayList<>();
        try (Stream<Path> files = Files.walk(RESOURCES)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path relative = RESOURCES.relativize(file);
                if (relative.startsWith("META-INF/resources") || relative.toString().equals("application.properties")) {
                    continue;
                }
                if (included.stream().noneMatch(m -> m.matches(relative))) {
                    left.add(relative.toString());
                }
            }
        }
        assertTrue(Files.exists(RESOURCES.resolve("kernel/codeact_kernel.py")));
        assertEquals(List.of(), left, "add them to quarkus.native.resources.includes");
    }
}
