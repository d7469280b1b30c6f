package dev.codeact.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code codeact-client.d.ts}: TypeScript declarations of the JS client module, so editors and
 * TypeScript users get the wire types. The event, payload and code types are generated from
 * {@code spec/codeact.schema.json} (ContractSchemaTest checks the committed file is this output);
 * the client's own API (the class, {@code splitReply}) is declared here, next to it, and the test
 * checks its methods are the module's.
 */
final class ContractTypes {

    static final Path FILE = Path.of("clients/js/codeact-client.d.ts");

    /** The definitions a client meets: server and client events, their parts, and the HTTP API's bodies. */
    private static final List<String> EXPORTED_ROOTS = List.of("ServerEvent", "ClientEvent", "GatewayInfo", "SessionSummary",
            "ExecuteRequest", "ExecutionOutput", "FileInfo", "Problem", "ToolAnswer", "ToolInfo");

    static final String CLIENT_API = """

            /** Options of a {@link CodeActClient}. */
            export interface ClientOptions {
              /** ws(s)://host[:port] of the gateway (default: this page's host). */
              url?: string;
              /** An existing session to attach to. */
              sessionId?: string;
              /** The last seq already seen of that session (0: replay all). */
              lastSeq?: number;
              /** Reconnect after a dropped connection (default true). */
              reconnect?: boolean;
              /** Longest wait between reconnect attempts (default 5000). */
              maxBackoffMs?: number;
              /** A WebSocket implementation (default: the global one). */
              WebSocket?: typeof WebSocket;
              /** An API key, sent as ?access_token= (browsers cannot set WebSocket headers). */
              token?: string;
            }

            /** A connection change: `open`, `reconnecting` or `closed`. */
            export interface StatusEvent { type: 'status'; state: 'open' | 'reconnecting' | 'closed'; }

            type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

            /** Splits a reply being streamed into its prose and the code of its `<execute>` action (null before it starts). */
            export declare function splitReply(raw: string): { prose: string; code: string | null };

            /** A refusal of the gateway: the protocol's error code, and the HTTP status when it came over HTTP. */
            export declare class CodeActError extends Error {
              constructor(code: string, message: string, extra?: { status?: number; retryAfter?: number });
              code: string;
              status?: number;
              retryAfter?: number;
              /** As the WebSocket's `error` event carries it. */
              event: { type: 'error'; code: string; message: string; retry_after?: number };
            }

            /** Options of a {@link CodeActApi}. */
            export interface ApiOptions {
              /** http(s)://host[:port] of the gateway (default: this page's origin). */
              url?: string;
              /** An API key or JWT, sent as Authorization: Bearer. */
              token?: string;
              /** A fetch implementation (default: the global one). */
              fetch?: typeof fetch;
            }

            /** An event of a streamed execution: its output while it runs, a restart, then its result. */
            export type ExecutionEvent =
              | ({ event: 'output' } & ExecutionOutput)
              | ({ event: 'restarted' } & Omit<ServerEventActionRestarted, 'type' | 'session' | 'seq'>)
              | ({ event: 'result' } & ExecutionResult);

            /** The gateway's HTTP API; refusals are thrown as {@link CodeActError}. */
            export declare class CodeActApi {
              constructor(options?: ApiOptions);
              info(): Promise<GatewayInfo>;
              createSession(): Promise<SessionSummary>;
              sessions(limit?: number): Promise<SessionSummary[]>;
              session(id: string): Promise<SessionSummary>;
              rename(id: string, title: string): Promise<SessionSummary>;
              deleteSession(id: string, options?: { keepalive?: boolean }): Promise<void>;
              events(id: string, options?: { after?: number; limit?: number }): Promise<ServerEvent[]>;
              follow(id: string, options?: { after?: number; signal?: AbortSignal }): AsyncGenerator<ServerEvent, void>;
              execute(id: string, code: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ExecutionResult>;
              executeStream(id: string, code: string, options?: { timeoutMs?: number; signal?: AbortSignal }): AsyncGenerator<ExecutionEvent, void>;
              answerTool(id: string, callId: string, answer: ToolAnswer): Promise<void>;
              tools(): Promise<ToolInfo[]>;
              files(id: string): Promise<FileInfo[]>;
              upload(id: string, name: string, body: Blob | ArrayBuffer | ArrayBufferView | string): Promise<FileInfo[]>;
              download(id: string, name: string): Promise<Blob>;
              deleteFile(id: string, name: string): Promise<void>;
              notebook(id: string): Promise<Record<string, unknown>>;
              markdown(id: string): Promise<string>;
            }

            /** One session of a CodeAct gateway over its WebSocket, with reconnect and exact resume. */
            export declare class CodeActClient {
              constructor(options?: ClientOptions);
              sessionId: string | null;
              lastSeq: number;
              on<T extends ServerEvent['type']>(type: T, handler: (event: EventOf<T>) => void): this;
              on(type: '*', handler: (event: ServerEvent) => void): this;
              on(type: 'status', handler: (event: StatusEvent) => void): this;
              connect(): Promise<ServerEvent>;
              /** `replaceLast`: the message replaces the last turn's (edit and resend, regenerate); the kernel keeps its state. */
              send(text: string, options?: Sampling, extra?: { replaceLast?: boolean }): void;
              tool(spec: ToolSpec, handler: (args: any, call: EventOf<'tool_call'>) => any): this;
              cancel(): void;
              ping(id: string): void;
              close(): void;
            }
            """;

    private ContractTypes() {}

    static String generate(JsonNode schema) {
        JsonNode defs = schema.get("$defs");
        Set<String> needed = new TreeSet<>();
        EXPORTED_ROOTS.forEach(root -> collect(defs, root, needed));
        collect(defs, "Sampling", needed);
        collect(defs, "ToolSpec", needed);
        StringBuilder out = new StringBuilder("""
                // Generated from spec/codeact.schema.json by ContractSchemaTest: do not edit by hand
                // (mvn test -Dtest=ContractSchemaTest -Dspec.write=true writes it again).
                """);
        for (String name : needed) {
            out.append('\n').append(declaration(name, defs.get(name)));
        }
        return out.append(CLIENT_API).toString();
    }

    private static void collect(JsonNode defs, String name, Set<String> needed) {
        if (needed.add(name)) {
            refs(defs.get(name)).forEach(ref -> collect(defs, ref, needed));
        }
    }

    private static List<String> refs(JsonNode node) {
        List<String> found = new ArrayList<>();
        if (node.isObject()) {
            if (node.has("$ref")) {
                found.add(node.get("$ref").asText().substring("#/$defs/".length()));
            }
            node.elements().forEachRemaining(child -> found.addAll(refs(child)));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> found.addAll(refs(child)));
        }
        return found;
    }

    /** A definition's TypeScript name: its Java name without dots ({@code ServerEvent.Error} → {@code ServerEventError}). */
    static String tsName(String def) {
        return def.replace(".", "");
    }

    private static String declaration(String name, JsonNode def) {
        if (def.has("oneOf")) {
            List<String> members = new ArrayList<>();
            def.get("oneOf").forEach(member -> members.add(type(member)));
            return "export type " + tsName(name) + " =\n  | " + String.join("\n  | ", members) + ";\n";
        }
        if (def.has("anyOf") || def.has("enum")) {
            return "export type " + tsName(name) + " = " + type(def) + ";\n";
        }
        StringBuilder out = new StringBuilder("export interface " + tsName(name) + " {\n");
        Set<String> required = new TreeSet<>();
        if (def.has("required")) {
            def.get("required").forEach(r -> required.add(r.asText()));
        }
        Iterator<Map.Entry<String, JsonNode>> props = def.path("properties").fields();
        while (props.hasNext()) {
            Map.Entry<String, JsonNode> prop = props.next();
            out.append("  ").append(prop.getKey()).append(required.contains(prop.getKey()) ? ": " : "?: ")
                    .append(type(prop.getValue())).append(";\n");
        }
        return out.append("}\n").toString();
    }

    private static String type(JsonNode node) {
        if (node.has("$ref")) {
            return tsName(node.get("$ref").asText().substring("#/$defs/".length()));
        }
        if (node.has("const")) {
            return "'" + node.get("const").asText() + "'";
        }
        if (node.has("enum")) {
            List<String> words = new ArrayList<>();
            node.get("enum").forEach(w -> words.add("'" + w.asText() + "'"));
            return String.join(" | ", words);
        }
        if (node.has("anyOf")) {
            List<String> members = new ArrayList<>();
            node.get("anyOf").forEach(member -> members.add(type(member)));
            return String.join(" | ", members);
        }
        JsonNode t = node.get("type");
        if (t != null && t.isArray()) {
            List<String> members = new ArrayList<>();
            t.forEach(one -> members.add(scalar(one.asText(), node)));
            return String.join(" | ", members);
        }
        return scalar(t == null ? "any" : t.asText(), node);
    }

    private static String scalar(String type, JsonNode node) {
        return switch (type) {
            case "string" -> "string";
            case "integer", "number" -> "number";
            case "boolean" -> "boolean";
            case "null" -> "null";
            case "array" -> wrap(type(node.get("items"))) + "[]";
            case "object" -> node.has("propertyNames")
                    ? "Partial<Record<" + type(node.get("propertyNames")) + ", " + type(node.get("additionalProperties")) + ">>"
                    : node.has("additionalProperties") && node.get("additionalProperties").isObject()
                    ? "Record<string, " + type(node.get("additionalProperties")) + ">" : "object";
            default -> "unknown";
        };
    }

    private static String wrap(String type) {
        return type.contains("|") ? "(" + type + ")" : type;
    }
}
