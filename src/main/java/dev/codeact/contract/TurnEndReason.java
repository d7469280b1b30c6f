package dev.codeact.contract;

/** Why a turn ended, as sent in {@code turn_end.reason}. */
public enum TurnEndReason {
    ANSWER("answer"),
    MAX_ACTIONS("max_actions"),
    CANCELLED("cancelled"),
    ERROR("error");

    private final String wire;

    TurnEndReason(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
