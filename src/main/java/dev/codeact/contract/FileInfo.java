package dev.codeact.contract;

/**
 * A file in a session's working directory (the kernel's current directory inside the sandbox).
 *
 * @param size     bytes
 * @param modified epoch milliseconds
 */
public record FileInfo(@Required String name, long size, long modified) {}
