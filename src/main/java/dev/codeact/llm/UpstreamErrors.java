package dev.codeact.llm;

import dev.codeact.contract.ErrorCode;
import io.vertx.core.buffer.Buffer;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/** How what goes wrong upstream is told to the client: stable codes, short messages. */
final class UpstreamErrors {

    private UpstreamErrors() {}

    static ErrorCode forStatus(int status) {
        if (status == 401 || status == 403) {
            return ErrorCode.UPSTREAM_AUTH;
        }
        if (status == 429) {
            return ErrorCode.UPSTREAM_RATE_LIMITED;
        }
        if (status >= 500) {
            return ErrorCode.UPSTREAM_UNAVAILABLE;
        }
        return ErrorCode.UPSTREAM_PROTOCOL;
    }

    static ModelCallException forFailure(Throwable error) {
        if (error instanceof TimeoutException) {
            return new ModelCallException(ErrorCode.UPSTREAM_TIMEOUT, "the model server did not answer in time: " + error.getMessage());
        }
        if (error instanceof ConnectException) {
            return new ModelCallException(ErrorCode.UPSTREAM_UNAVAILABLE, "cannot connect to the model server: " + error.getMessage());
        }
        if (error instanceof UnknownHostException || error.getCause() instanceof UnknownHostException) {
            return new ModelCallException(ErrorCode.UPSTREAM_UNAVAILABLE,
                    "the model server's host name does not resolve: " + error.getMessage());
        }
        if (error instanceof SSLException || error.getCause() instanceof SSLException) {
            return new ModelCallException(ErrorCode.UPSTREAM_UNAVAILABLE, "TLS with the model server failed: " + error.getMessage());
        }
        return new ModelCallException(ErrorCode.UPSTREAM_UNAVAILABLE, "the model stream failed: " + error);
    }

    /** {@code Retry-After} is either seconds or an HTTP date; 0 when absent or unreadable. */
    static long retryAfterMillis(String header) {
        if (header == null || header.isBlank()) {
            return 0;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(header.strip())).toMillis();
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
            } catch (RuntimeException unreadable) {
                return 0;
            }
        }
    }

    static String snippet(Buffer body) {
        return body == null || body.length() == 0 ? "" : ": " + abbreviate(body.toString());
    }

    static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
