package dev.codeact.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ToolFailure;
import org.junit.jupiter.api.Test;

class ToolCallGateTest {

    @Test
    void callsPastTheLimitAreRefusedWithTheirCode() {
        ToolCallGate gate = new ToolCallGate(2, 1000);
        assertNull(gate.admit("t", 10));
        assertNull(gate.admit("t", 10));
        ToolFailure third = gate.admit("t", 10);
        assertEquals(ErrorCode.TOOL_LIMIT.code(), third.code());
        assertTrue(third.message().contains("more than 2 tool calls"), third.message());
    }

    @Test
    void argumentsOverTheLimitAreRefusedAndStillCount() {
        ToolCallGate gate = new ToolCallGate(2, 100);
        ToolFailure big = gate.admit("search", 101);
        assertEquals(ErrorCode.TOOL_TOO_LARGE.code(), big.code());
        assertTrue(big.message().contains("search"), big.message());
        assertNull(gate.admit("search", 100), "at the limit is allowed");
        assertEquals(ErrorCode.TOOL_LIMIT.code(), gate.admit("search", 1).code(), "the refused call was one of the two");
    }
}
