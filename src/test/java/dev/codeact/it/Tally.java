package dev.codeact.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Counts two kinds of tests and how they ended, for bin/test to print at the end of a run:
 * escape and abuse attempts (tag {@code abuse}: contained or not, target/abuse-report.txt) and
 * injected faults (tag {@code fault}: processes killed or paused, Redis killed; target/fault-report.txt).
 */
public class Tally implements TestWatcher {

    private record Kind(Path report, String held, String broken) {}

    private static final Map<String, Kind> KINDS = Map.of(
            "abuse", new Kind(Path.of("target", "abuse-report.txt"), "contained", "NOT CONTAINED"),
            "fault", new Kind(Path.of("target", "fault-report.txt"), "held", "NOT HELD"));

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, true);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        record(context, false);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        record(context, null);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        record(context, null);
    }

    private static void record(ExtensionContext context, Boolean held) {
        KINDS.forEach((tag, kind) -> {
            if (!context.getTags().contains(tag)) {
                return;
            }
            String outcome = held == null ? "not run" : held ? kind.held() : kind.broken();
            try {
                Files.createDirectories(kind.report().getParent());
                Files.writeString(kind.report(), outcome + "\t" + context.getRequiredTestClass().getSimpleName() + "."
                        + context.getDisplayName().replace("()", "") + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
