package dev.codeact.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codeact.contract.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A session's history as a gateway that loads it rebuilds it from its log: messages, and the rewinds of replaced turns. */
class HistoryLogTest {

    static final ChatMessage ASK = new ChatMessage(ChatMessage.USER, "What is 2+2?");
    static final ChatMessage ANSWER = new ChatMessage(ChatMessage.ASSISTANT, "4.");
    static final ChatMessage AGAIN = new ChatMessage(ChatMessage.USER, "What is 3*3?");

    @Test
    void aRewindDropsTheReplacedTurnAndTheNextEntryFollowsTheLastNumber() {
        List<String> log = List.of(SessionStore.historyEntry(1, ASK), SessionStore.historyEntry(2, ANSWER),
                SessionStore.rewindEntry(3, 0), SessionStore.historyEntry(4, AGAIN));
        SessionStore.History history = SessionStore.parseHistory("s", log);
        assertEquals(List.of(AGAIN), history.messages());
        assertEquals(4, history.entries(), "numbered after every entry, rewinds included");
    }

    @Test
    void aLogOfMessagesOnlyIsTheHistoryAsItWas() {
        SessionStore.History history = SessionStore.parseHistory("s", List.of(SessionStore.historyEntry(1, ASK),
                SessionStore.historyEntry(2, ANSWER)));
        assertEquals(List.of(ASK, ANSWER), history.messages());
        assertEquals(2, history.entries());
    }

    @Test
    void aDamagedEntryIsSkippedAndTheRestKept() {
        SessionStore.History history = SessionStore.parseHistory("s", List.of(SessionStore.historyEntry(1, ASK), "2 {not json",
                "3 rewind x", SessionStore.historyEntry(4, ANSWER)));
        assertEquals(List.of(ASK, ANSWER), history.messages());
        assertEquals(4, history.entries());
    }
}
