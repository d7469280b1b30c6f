package dev.codeact.contract;

import java.util.regex.Pattern;

/**
 * A file operation on a session's working directory, carried by a {@link Job} instead of code:
 * {@value #PUT} writes {@code data} (base64) as {@code name}, {@value #GET} reads it,
 * {@value #DELETE} removes it, {@value #LIST} only lists. The kernel answers with the directory's
 * files (and, for a get, the file) in its done frame.
 */
public record FileOp(String op, String name, String data) {

    public static final String PUT = "put";
    public static final String GET = "get";
    public static final String DELETE = "delete";
    public static final String LIST = "list";

    /**
     * A safe file name: one path segment of letters, digits, {@code . _ -} and spaces, not
     * starting with a dot (no hidden files, no {@code ..}), at most 128 characters. The kernel
     * applies the same rule (ContractSchemaTest runs it) and never follows a link.
     */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_\\-][A-Za-z0-9_.\\- ]{0,127}");

    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches() && !name.endsWith(" ");
    }
}
