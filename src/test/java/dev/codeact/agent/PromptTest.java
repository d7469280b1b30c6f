package dev.codeact.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.config.AgentConfig;
import dev.codeact.contract.ChatMessage;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The context budget: old observations shrink first, then the oldest turns go; the current turn stays. */
class PromptTest {

    static Prompt prompt(int budget) {
        AgentConfig config = new SmallRyeConfigBuilder().withMapping(AgentConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of("codeact.agent.context-budget-tokens", Integer.toString(budget),
                        "codeact.agent.system-prompt", "SYSTEM"), "test", 500))
                .build().getConfigMapping(AgentConfig.class);
        return new Prompt(config);
    }

    static List<ChatMessage> history(int turns, int observationChars) {
        List<ChatMessage> h = new ArrayList<>();
        for (int t = 1; t <= turns; t++) {
            h.add(new ChatMessage(ChatMessage.USER, "question " + t));
            h.add(new ChatMessage(ChatMessage.ASSISTANT, "<execute>f(" + t + ")</execute>"));
            h.add(ChatMessage.observation("Execution Output:\n" + String.valueOf((char) ('a' + t)).repeat(observationChars)));
            h.add(new ChatMessage(ChatMessage.ASSISTANT, "answer " + t));
        }
        return h;
    }

    static int estimate(List<ChatMessage> messages) {
        return messages.stream().mapToInt(m -> Prompt.tokens(m.content())).sum();
    }

    @Test
    void withinTheBudgetNothingChanges() {
        List<ChatMessage> h = history(3, 100);
        List<ChatMessage> sent = prompt(100_000).messages(h, 1000, "");
        assertEquals(1 + h.size(), sent.size());
        assertEquals(h, sent.subList(1, sent.size()));
    }

    @Test
    void olderObservationsAreShortenedFirstWithAMarker() {
        List<ChatMessage> h = history(3, 8000);     // ≈ 6000 tokens of observations
        List<ChatMessage> sent = prompt(4000).messages(h, 500, "");
        assertEquals(1 + h.size(), sent.size(), "no turn had to go");
        assertTrue(sent.get(3).content().contains("characters of this older output left out to fit the context"));
        assertTrue(sent.get(7).content().contains("left out"));
        assertEquals(h.get(10).content(), sent.get(11).content(), "the latest observation is intact");
        assertTrue(estimate(sent) <= 4000 - 500, "fits: " + estimate(sent));
        assertEquals(8000 + 18, h.get(2).content().length(), "the stored history is not changed");
    }

    @Test
    void thenTheOldestTurnsAreLeftOutButNeverTheCurrentOne() {
        List<ChatMessage> h = history(6, 2000);
        h.add(new ChatMessage(ChatMessage.USER, "the current question"));
        List<ChatMessage> sent = prompt(900).messages(h, 100, "");
        assertEquals("SYSTEM", sent.get(0).content());
        assertTrue(sent.get(1).content().startsWith(Prompt.OMITTED_TURNS), sent.get(1).content());
        assertEquals("the current question", sent.get(sent.size() - 1).content());
        assertTrue(sent.size() < 1 + h.size());
        assertTrue(estimate(sent.subList(1, sent.size())) <= 900 - 100 - Prompt.tokens("SYSTEM"));
        for (int i = 1; i < sent.size(); i++) {
            assertTrue(!sent.get(i).role().equals(sent.get(i - 1).role()), "roles alternate");
        }
    }
}
