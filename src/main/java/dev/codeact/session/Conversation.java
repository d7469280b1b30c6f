package dev.codeact.session;

import dev.codeact.agent.UserNotes;
import dev.codeact.contract.ChatMessage;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.Sampling;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.ToolSpec;
import dev.codeact.tools.ToolRuntime;
import dev.codeact.tools.Toolbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What the model is told in a session: its history (stored in Redis as it grows), notes for the
 * next user message, the sampling chosen, the tools (the client's and the gateway's), and the
 * working directory's files as last reported. Runs on its session's context only.
 */
final class Conversation {

    private final String session;
    private final String owner;
    private final SessionStore store;
    private final Duration ttl;
    private final ToolRuntime tools;
    /** Tells the session's clients (the {@code files} event). */
    private final Consumer<ServerEvent> emit;
    private final List<ChatMessage> history;
    private final LogWriter historyLog;
    /** Entries of the history's log (messages and rewinds): the next one's number follows. */
    private long entries;
    /** The notes the last turn's message took, given back if that turn is replaced (not kept across gateways). */
    private UserNotes lastNotes = new UserNotes("", List.of());
    /** For the model, with the next user message (see {@link #takeNotes}). */
    private final StringBuilder notes = new StringBuilder();
    /** The files uploaded since the last user message, in order, each once. */
    private final LinkedHashSet<String> uploads = new LinkedHashSet<>();
    private Sampling sampling;
    /** The tools the session's client declared (user_message tools). */
    private List<ToolSpec> clientTools;
    /** The tools as last worked out, and what they were worked out from (MCP servers come and go). */
    private Toolbox toolbox;
    private Map<String, ?> toolboxFrom;
    /** The working directory's files as the last action or file operation reported them. */
    private List<FileInfo> files = List.of();

    Conversation(String session, String owner, SessionStore store, Duration ttl, ToolRuntime tools, Consumer<ServerEvent> emit,
                 SessionStore.History history, LogWriter historyLog, Sampling sampling, List<ToolSpec> clientTools) {
        this.session = session;
        this.owner = owner;
        this.store = store;
        this.ttl = ttl;
        this.tools = tools;
        this.emit = emit;
        this.history = new ArrayList<>(history.messages());
        this.entries = history.entries();
        this.historyLog = historyLog;
        this.sampling = sampling;
        this.clientTools = clientTools;
    }

    List<ChatMessage> history() {
        return Collections.unmodifiableList(history);
    }

    void appendHistory(ChatMessage message) {
        history.add(message);
        historyLog.append(++entries, SessionStore.historyEntry(entries, message));
    }

    /** Whether the history holds a turn another could replace. */
    boolean hasTurn() {
        return lastTurnStart() >= 0;
    }

    /**
     * Takes the history back to before the last turn's user message, so a new turn replaces it
     * (the kernel keeps its state: only what the model is told changes); the notes that message
     * carried go with the next one again.
     */
    void rewindLastTurn() {
        int keep = lastTurnStart();
        if (keep < 0) {
            return;
        }
        history.subList(keep, history.size()).clear();
        historyLog.append(++entries, SessionStore.rewindEntry(entries, keep));
        notes.insert(0, lastNotes.text());
        List<String> newer = List.copyOf(uploads);
        uploads.clear();
        uploads.addAll(lastNotes.uploads());
        uploads.addAll(newer);
    }

    private int lastTurnStart() {
        for (int i = history.size() - 1; i >= 0; i--) {
            ChatMessage m = history.get(i);
            if (ChatMessage.USER.equals(m.role()) && !m.isObservation()) {
                return i;
            }
        }
        return -1;
    }

    /** Every message is stored. */
    boolean idle() {
        return historyLog.idle();
    }

    /** Model and sampling choices of this session. */
    Sampling sampling() {
        return sampling;
    }

    void setSampling(Sampling chosen) {
        if (!chosen.equals(sampling)) {
            sampling = chosen;
            store.saveSampling(session, chosen, ttl);
        }
    }

    Toolbox toolbox() {
        Map<String, ?> mcp = tools.catalog().mcpTools();
        if (toolbox == null || toolboxFrom != mcp) {
            toolbox = tools.catalog().forSession(owner, clientTools);
            toolboxFrom = mcp;
        }
        return toolbox;
    }

    /** The first of {@code declared} named like one of the gateway's tools, or null. */
    String toolClash(List<ToolSpec> declared) {
        return tools.catalog().clash(declared);
    }

    /** The client's tools from now on. */
    void setClientTools(List<ToolSpec> declared) {
        if (!declared.equals(clientTools)) {
            clientTools = declared;
            toolbox = null;
            store.saveTools(session, declared, ttl);
        }
    }

    /** The notes so far, for the next user message; they are then gone. */
    UserNotes takeNotes() {
        UserNotes taken = new UserNotes(notes.toString(), List.copyOf(uploads));
        notes.setLength(0);
        uploads.clear();
        lastNotes = taken;
        return taken;
    }

    /** The user put {@code name} in the working directory: the model hears of it with the next message. */
    void uploaded(String name, long size) {
        note("The user uploaded the file " + name + " (" + size + " bytes) to the working directory");
        uploads.add(name);
    }

    /** Tells the model {@code what} with the next user message. */
    void note(String what) {
        notes.append('[').append(what).append("]\n");
    }

    /**
     * The files an action or file operation reported; the clients hear of a change ({@code files}).
     * Returns the files a restarted interpreter took with it.
     */
    List<String> filesSeen(List<FileInfo> now, boolean restarted) {
        if (now == null) {
            return List.of();
        }
        List<String> gone = List.of();
        if (restarted) {
            Set<String> left = new HashSet<>();
            now.forEach(f -> left.add(f.name()));
            gone = files.stream().map(FileInfo::name).filter(name -> !left.contains(name)).toList();
        }
        if (!now.equals(files)) {
            files = List.copyOf(now);
            emit.accept(new ServerEvent.Files(files));
        }
        return gone;
    }
}
