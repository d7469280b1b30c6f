package dev.codeact.contract;

import java.util.regex.Pattern;

/**
 * A file operation on a session's working directory, carried by a {@link Job} instead of code:
 * {@value #PUT} starts writing {@code name} with {@code data} (base64), {@value #APPEND} adds the
 * next piece, and the piece marked {@code last} puts the whole file in place (an upload arrives in
 * pieces, one job each); {@value #DISCARD} drops an upload that will not be finished;
 * {@value #GET} reads the file, {@value #DELETE} removes it, {@value #LIST} only lists. The kernel answers with the directory's files in its done frame, a get's file as
 * {@code file} stream frames before it.
 */
public record FileOp(String op, String name, String data, boolean last) {

    public static final String PUT = "put";
    public static final String APPEND = "append";
    public static final String GET = "get";
    public static final String DELETE = "delete";
    public static final String LIST = "list";
    public static final String DISCARD = "discard";

    /**
     * A safe file name: one path segment of letters, digits, {@code . _ -} and spaces, not
     * starting with a dot (no hidden files, no {@code ..}), at most 128 characters. The kernel
     * applies the same rule (ContractSchemaTest runs it) and never follows a link.
     */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_\\-][A-Za-z0-9_.\\- ]{0,127}");

    public static FileOp list() {
        return new FileOp(LIST, null, null, false);
    }

    public static FileOp get(String name) {
        return new FileOp(GET, name, null, false);
    }

    public static FileOp delete(String name) {
        return new FileOp(DELETE, name, null, false);
    }

    /** Drops the unfinished upload of {@code name}: its pieces so far are gone, the file is as it was. */
    public static FileOp discard(String name) {
        return new FileOp(DISCARD, name, null, false);
    }

    /** One piece of an upload: the first ({@code put}) or a later one ({@code append}). */
    public static FileOp piece(String name, boolean first, String base64, boolean last) {
        return new FileOp(first ? PUT : APPEND, name, base64, last);
    }

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches() && !name.endsWith(" ");
    }
}
