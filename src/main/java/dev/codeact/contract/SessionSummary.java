package dev.codeact.contract;

/**
 * One session as the sessions API lists it.
 *
 * @param title        the start of its first message (null until one was sent)
 * @param createdAt    epoch milliseconds
 * @param lastActivity epoch milliseconds of its creation or its latest turn's start
 * @param turns        turns started
 */
public record SessionSummary(@Required String id, String title, long createdAt, long lastActivity, int turns) {}
