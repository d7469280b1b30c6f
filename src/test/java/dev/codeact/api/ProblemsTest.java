package dev.codeact.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.contract.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The error codes as the docs tell them are the codes {@link ErrorCode} and {@link Problems} give. */
class ProblemsTest {

    static final Pattern CODE = Pattern.compile("`([a-z_]+)`");
    static final Map<String, ErrorCode> CODES = Arrays.stream(ErrorCode.values())
            .collect(Collectors.toMap(ErrorCode::code, Function.identity()));

    /** The rows of the first markdown table under {@code heading} in {@code doc}, split into cells. */
    static String[][] table(String doc, String heading) throws Exception {
        String text = Files.readString(Path.of("docs", doc));
        int at = text.indexOf("\n" + heading + "\n");
        assertTrue(at >= 0, doc + " has the section " + heading);
        return text.substring(at).lines().dropWhile(line -> !line.startsWith("|")).takeWhile(line -> line.startsWith("|"))
                .map(line -> line.split("\\|")).toArray(String[][]::new);
    }

    @Test
    void theProtocolsErrorTableListsEveryCodeAndNoOther() throws Exception {
        TreeSet<String> documented = new TreeSet<>();
        for (String[] row : table("protocol.md", "## Error codes")) {
            Matcher m = CODE.matcher(row[1]);
            while (m.find()) {
                documented.add(m.group(1));
            }
        }
        assertEquals(new TreeSet<>(CODES.keySet()), documented);
    }

    @Test
    void theHttpStatusTableIsTheMapping() throws Exception {
        TreeMap<String, Integer> documented = new TreeMap<>();
        TreeMap<String, Integer> mapped = new TreeMap<>();
        for (String[] row : table("http-api.md", "## Errors")) {
            if (!row[1].trim().matches("\\d{3}")) {
                continue;
            }
            Matcher m = CODE.matcher(row[2]);
            while (m.find()) {
                ErrorCode code = CODES.get(m.group(1));
                if (code != null) {
                    documented.put(code.code(), Integer.parseInt(row[1].trim()));
                    mapped.put(code.code(), Problems.status(code));
                }
            }
        }
        assertTrue(documented.size() >= 10, "the table was read: " + documented);
        assertEquals(mapped, documented);
    }
}
