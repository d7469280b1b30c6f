package dev.codeact.contract;

/**
 * {@code POST /v1/sessions/{id}/execute}: code to run in the session's kernel, without a model.
 *
 * @param timeoutMs wall time before the code is interrupted; absent: {@code codeact.agent.action-timeout}
 */
public record ExecuteRequest(@Required String code, Long timeoutMs) {}
