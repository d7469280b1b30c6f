package dev.codeact.tools;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which of the gateway's tools a principal may call: its globs, or the default's. */
class AllowListTest {

    @Test
    void eachPrincipalGetsWhatItsGlobsMatchOthersTheDefault() {
        AllowList allow = AllowList.of(Map.of("alice", List.of("memory_*", "search_query"), "bob", List.of("none")), List.of("*"));
        assertTrue(allow.allows("alice", "memory_read_graph"));
        assertTrue(allow.allows("alice", "search_query"));
        assertFalse(allow.allows("alice", "search_query_all"), "a glob matches the whole name");
        assertFalse(allow.allows("alice", "everything_echo"));
        assertFalse(allow.allows("bob", "memory_read_graph"), "none: no tool");
        assertTrue(allow.allows("carol", "anything"), "a principal not listed gets the default");
    }

    @Test
    void globsKnowStarQuestionMarkAndNothingElse() {
        assertFalse(AllowList.of(Map.of(), List.of("none")).allows("carol", "memory_read_graph"));
        assertTrue(AllowList.of(Map.of(), List.of("memory_?ead_graph")).allows("carol", "memory_read_graph"));
        assertFalse(AllowList.of(Map.of(), List.of("memory.read_graph")).allows("carol", "memory_read_graph"),
                "a glob's other characters are literal");
    }
}
