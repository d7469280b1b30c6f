package dev.codeact.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codeact.contract.WireJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The page previews a streaming action with splitReply (codeact-client.js); the gateway cuts it
 * with ActionParser. Both run here on the same replies, cut at every length, and must agree on
 * the prose and the code (the page's code, tidied as the gateway tidies it).
 */
class ExecuteFormatTest {

    static final List<String> REPLIES = List.of(
            "The answer is 42.",
            "Let me compute.\n<execute>\nx = 21 * 2\nprint(x)\n</execute>",
            "<execute>print(1)</execute> and what the server should not have sent",
            "Indented:\n<execute>\n    for i in range(3):\n        print(i)\n</execute",
            "<execute>s = '</e'\nprint(s)\n</execute>",
            "a < b, and <exec is not a tag");

    @Test
    void thePageAndTheGatewayCutActionsTheSameWay() throws Exception {
        List<String> prefixes = new ArrayList<>();
        for (String reply : REPLIES) {
            for (int n = 0; n <= reply.length(); n++) {
                prefixes.add(reply.substring(0, n));
            }
        }
        JsonNode page = splitInNode(prefixes);
        for (int i = 0; i < prefixes.size(); i++) {
            String raw = prefixes.get(i);
            ActionParser parser = new ActionParser();
            parser.feed(raw);
            String prose = parser.interruptedText();
            ActionParser.Reply reply = parser.finish();
            JsonNode split = page.get(i);
            assertEquals(prose, split.get("prose").asText(), "prose of " + quoted(raw));
            String code = split.get("code").isNull() ? null : ActionParser.tidy(split.get("code").asText());
            assertEquals(reply.code(), code, "code of " + quoted(raw));
        }
    }

    static JsonNode splitInNode(List<String> raws) throws Exception {
        String client = Path.of("clients/js/codeact-client.js").toUri().toString();
        String script = "import(process.argv[1]).then(({ splitReply }) => { let input = '';"
                + " process.stdin.on('data', (d) => { input += d; });"
                + " process.stdin.on('end', () => console.log(JSON.stringify(JSON.parse(input).map(splitReply)))); });";
        Process node = new ProcessBuilder("node", "--input-type=module", "-e", script, client).redirectErrorStream(true).start();
        try (var in = node.getOutputStream()) {
            in.write(WireJson.MAPPER.writeValueAsBytes(raws));
        }
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        node.waitFor(30, TimeUnit.SECONDS);
        assertEquals(0, node.exitValue(), out);
        return WireJson.MAPPER.readTree(out);
    }

    static String quoted(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
