package dev.codeact.agent;

import java.util.List;

/**
 * What the model must learn with the next user message ({@code text}, one bracketed line each, or
 * {@code ""}), and the files the user uploaded since the last one, which the turn's
 * {@code turn_start} names so a client shows them with the message.
 */
public record UserNotes(String text, List<String> uploads) {}
