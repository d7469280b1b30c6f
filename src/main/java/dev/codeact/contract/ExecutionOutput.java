package dev.codeact.contract;

/**
 * Output of code run through the sessions API, while it runs (an {@code output} Server-Sent Event).
 *
 * @param stream {@code stdout} or {@code stderr}
 */
public record ExecutionOutput(@Required String stream, @Required String text) {}
