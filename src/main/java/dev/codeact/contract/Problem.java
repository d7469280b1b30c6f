package dev.codeact.contract;

/**
 * An error of the HTTP API as RFC 9457 problem details ({@code application/problem+json}), with
 * the protocol's error code as an extension member, so a client handles both APIs alike.
 *
 * @param type   a URI naming the problem type: {@code urn:codeact:error:<code>}
 * @param status the HTTP status code
 * @param code   one of the protocol's error codes (see {@link ErrorCode})
 */
public record Problem(@Required String type, @Required String title, int status, String detail, String instance, @Required String code) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(ErrorCode code, int status, String detail, String instance) {
        return new Problem("urn:codeact:error:" + code.code(), code.code().replace('_', ' '), status, detail, instance, code.code());
    }
}
