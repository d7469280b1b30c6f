package dev.codeact.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Counts the escape and abuse attempts (tests tagged {@code abuse}) and whether the sandbox held,
 * into target/abuse-report.txt, which bin/test prints at the end of a run.
 */
public class AbuseTally implements TestWatcher {

    static final Path REPORT = Path.of("target", "abuse-report.txt");

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, "contained");
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        record(context, "NOT CONTAINED");
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        record(context, "not run");
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        record(context, "not run");
    }

    private static void record(ExtensionContext context, String outcome) {
        if (!context.getTags().contains("abuse")) {
            return;
        }
        try {
            Files.createDirectories(REPORT.getParent());
            Files.writeString(REPORT, outcome + "\t" + context.getDisplayName() + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
