package dev.codeact.queue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * How a session appears in log lines above DEBUG: a short digest of its id. A session id lets
 * its owner reattach, so it never goes into logs that operators ship elsewhere; the tag still
 * lets one follow a session through the log ({@code s:3fa92c1b}). Redis keys are tagged the same way.
 */
public final class LogTag {

    private LogTag() {}

    public static String session(String id) {
        if (id == null) {
            return "s:-";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return "s:" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Redis key with the session id inside its hash tag replaced by the session's tag. */
    public static String key(String key) {
        int open = key.indexOf('{');
        int close = key.indexOf('}', open + 1);
        return open < 0 || close < 0 ? key : key.substring(0, open + 1) + session(key.substring(open + 1, close))
                + key.substring(close);
    }
}
