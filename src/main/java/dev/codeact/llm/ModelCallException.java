package dev.codeact.llm;

import dev.codeact.contract.ErrorCode;

/** Why a model call failed, with the stable code the client is told. */
public final class ModelCallException extends RuntimeException {

    private final transient ErrorCode code;

    public ModelCallException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
