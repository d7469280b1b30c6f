package dev.codeact.api;

import dev.codeact.contract.ClientEvent;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.Problem;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.ServerEvent;
import dev.codeact.contract.SessionSummary;
import dev.codeact.contract.SessionUpdate;
import dev.codeact.contract.ToolAnswer;
import dev.codeact.contract.WireCodec;
import dev.codeact.session.SessionFeed;
import dev.codeact.session.SessionIndex;
import dev.codeact.session.SessionRegistry;
import dev.codeact.session.SessionStore;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureFailure;
import io.vertx.core.Vertx;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Sessions over plain HTTP, for clients that cannot hold a WebSocket and for the code-interpreter
 * use: create, list, read, rename, follow (Server-Sent Events), delete, answer a client tool (code
 * runs without a model through {@link ExecuteResource}, files through {@link FilesResource}, the
 * chat as a file through {@link ExportResource}). The same sessions as the WebSocket's, with the
 * same owner checks and limits; errors are RFC 9457 problem details carrying the protocol's error
 * code ({@link Problems}).
 */
@Path("/v1/sessions")
@Authenticated
@Tag(name = "Sessions", description = "Chat sessions and their kernels over HTTP")
@SecurityRequirement(name = "bearer")
@APIResponse(responseCode = "401", description = "No valid credential (or, in local mode, a client not on this machine)")
public class SessionsResource {

    static final String PROBLEM_EXAMPLE = """
            {"type": "urn:codeact:error:session_not_found", "title": "session not found", "status": 404,
             "detail": "no such session (never created, or expired)", "instance": "/v1/sessions/Zq4m…", "code": "session_not_found"}""";

    private final SessionRegistry registry;
    private final SessionStore store;
    private final SessionAccess access;
    private final SessionIndex index;
    private final SessionFeed feed;
    private final SecurityIdentity identity;

    public SessionsResource(SessionRegistry registry, SessionStore store, SessionAccess access, SessionIndex index,
                            SessionFeed feed, SecurityIdentity identity) {
        this.registry = registry;
        this.store = store;
        this.access = access;
        this.index = index;
        this.feed = feed;
        this.identity = identity;
    }

    private String principal() {
        return identity.getPrincipal().getName();
    }

    @POST
    @NonBlocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a session", description = "A new, empty session of the caller, as a WebSocket opened "
            + "on /v1/sessions would create. Attach to it on /v1/sessions/{id} (WebSocket) or follow its events.")
    @APIResponse(responseCode = "201", description = "Created", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = SessionSummary.class), examples = @ExampleObject(name = "created", value = """
                    {"id": "Zq4mE0bq3yq1y2m0QkqGxw", "created_at": 1764129600000, "last_activity": 1764129600000, "turns": 0}""")))
    @APIResponse(responseCode = "429", description = "too_many_sessions", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "overloaded", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    public Uni<Response> create() throws ProtocolException {
        return registry.open(Vertx.currentContext(), principal()).chain(session -> index.get(session.id()))
                .map(created -> Response.created(URI.create("/v1/sessions/" + created.id())).entity(created).build());
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List the caller's sessions", description = "Latest activity first; the title is the start of "
            + "the first message.")
    @APIResponse(responseCode = "200", description = "The sessions", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = SessionSummary.class, type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY),
            examples = @ExampleObject(name = "two sessions", value = """
                    [{"id": "Zq4mE0bq3yq1y2m0QkqGxw", "title": "Plot sin(x) from 0 to 2π", "created_at": 1764129600000,
                      "last_activity": 1764129664000, "turns": 2},
                     {"id": "b3JkZXJzLTIwMjYtMTEtMjU", "created_at": 1764043200000, "last_activity": 1764043200000, "turns": 0}]""")))
    public Uni<List<SessionSummary>> list(@QueryParam("limit") @DefaultValue("50")
                                          @Parameter(description = "at most this many (1 to 200)") int limit) throws ProtocolException {
        if (limit < 1 || limit > 200) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "limit must be 1 to 200");
        }
        return index.list(principal(), limit);
    }

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One session")
    @APIResponse(responseCode = "200", description = "The session", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = SessionSummary.class)))
    @APIResponse(responseCode = "403", description = "forbidden: another principal's session", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "session_not_found", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class), examples = @ExampleObject(name = "not found", value = PROBLEM_EXAMPLE)))
    public Uni<SessionSummary> get(@PathParam("id") String id) {
        return access.owned(id, principal()).chain(() -> index.get(id))
                .map(found -> found != null ? found : new SessionSummary(id, null, 0, 0, 0));
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Rename a session", description = "Its title in the list, 1 to 80 characters (line breaks and runs "
            + "of spaces become one space); a later first message does not rename it again.")
    @RequestBody(content = @Content(schema = @Schema(implementation = SessionUpdate.class), examples = @ExampleObject(
            name = "rename", value = "{\"title\": \"Fibonacci, three ways\"}")))
    @APIResponse(responseCode = "200", description = "The session, renamed", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = SessionSummary.class)))
    @APIResponse(responseCode = "400", description = "invalid_event: no title, or one too long", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "session_not_found", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    public Uni<SessionSummary> rename(@PathParam("id") String id, SessionUpdate update) throws ProtocolException {
        String title = update == null ? null : update.cleanTitle();
        if (title == null) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "title must be 1 to " + SessionUpdate.TITLE_CHARS + " characters");
        }
        return access.owned(id, principal()).chain(() -> SessionRegistry.storage(index.rename(id, title)))
                .chain(renamed -> renamed ? index.get(id) : Uni.createFrom().failure(
                        new ProtocolException(ErrorCode.SESSION_NOT_FOUND, "no such session (never created, or expired)")));
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Stored events after a seq", description = "The session's event log as the WebSocket sends it "
            + "(see docs/protocol.md), seq after `after`, at most `limit` of them, in order.")
    @APIResponse(responseCode = "200", description = "Events (ServerEvent in spec/codeact.schema.json)", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "first events", value = """
                    [{"type": "session", "session": "Zq4m…", "seq": 1, "protocol": 1, "principal": "local",
                      "model": "xingyaoww/CodeActAgent-Mistral-7b-v0.1", "model_configured": true, "max_actions": 5},
                     {"type": "turn_start", "session": "Zq4m…", "seq": 2, "turn": 1, "text": "What is 21 * 2?"}]""")))
    @APIResponse(responseCode = "404", description = "session_not_found", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    public Uni<Response> events(@PathParam("id") String id,
                                @QueryParam("after") @DefaultValue("0") @Parameter(description = "seq to start after") long after,
                                @QueryParam("limit") @DefaultValue("1000") @Parameter(description = "1 to 10000") int limit)
            throws ProtocolException {
        if (after < 0 || limit < 1 || limit > 10_000) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "after must be >= 0 and limit 1 to 10000");
        }
        // Stored events are JSON already: they are joined, not parsed and written again.
        return access.owned(id, principal()).chain(() -> store.events(id, after, after + limit)).map(events -> Response.ok(
                "[" + String.join(",", events.stream().map(SessionStore.Event::json).toList()) + "]",
                MediaType.APPLICATION_JSON_TYPE).build());
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Follow the session's events (Server-Sent Events)", description = "Stored events after `after` "
            + "(or the Last-Event-ID header a reconnecting EventSource sends), then live ones as they happen. Each event's "
            + "`data` is the event's JSON and its `id` its seq. An error about this stream alone (no such session, "
            + "forbidden, limits) is an `error` event without id, as on the WebSocket, and ends the stream: an EventSource "
            + "cannot read an HTTP status.")
    @APIResponse(responseCode = "200", description = "An event stream", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
            examples = @ExampleObject(name = "an action's output", value = """
                    id: 19
                    data: {"type":"observation_chunk","session":"Zq4m…","seq":19,"turn":1,"action_id":"a-5b0c…","stream":"stdout","text":"42\\n"}
                    """)))
    public Multi<OutboundSseEvent> follow(@PathParam("id") String id, @QueryParam("after") Long after,
                                          @HeaderParam("Last-Event-ID") String lastEventId, @Context Sse sse) {
        long from;
        try {
            from = after != null ? after : lastEventId != null ? Long.parseLong(lastEventId.strip()) : 0;
            if (from < 0) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            return Multi.createFrom().item(errorEvent(sse, id, new ProtocolException(ErrorCode.INVALID_EVENT,
                    "after (or Last-Event-ID) must be an integer >= 0")));
        }
        return feed.follow(id, principal(), from).map(event -> {
            OutboundSseEvent.Builder out = sse.newEventBuilder().data(event.json());
            return (event.seq() > 0 ? out.id(Long.toString(event.seq())) : out).build();
        }).onFailure().recoverWithItem(e -> errorEvent(sse, id, e));
    }

    /**
     * A stream's headers are sent before its first event, so its failures cannot be a status: the
     * protocol's error event is sent instead (seq 0, named {@code error}), and the stream ends.
     */
    static OutboundSseEvent errorEvent(Sse sse, String session, Throwable failure) {
        ServerEvent.Error error = failure instanceof ProtocolException refused ? ServerEvent.Error.of(refused.code(), refused.getMessage())
                : failure instanceof BackPressureFailure ? ServerEvent.Error.of(ErrorCode.OVERLOADED, "this stream fell "
                        + SessionFeed.BEHIND + " events behind its client: reconnect with Last-Event-ID")
                : ServerEvent.Error.of(ErrorCode.STORAGE, "the stream failed: " + failure.getMessage());
        return sse.newEventBuilder().name("error").data(WireCodec.encodeServer(session, 0, error)).build();
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a session", description = "Its kernel stops, and its events, history and every other "
            + "key go; connected clients get session_not_found. Refused while a turn or an execution runs.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "session_not_found", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "turn_in_progress", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    public Uni<Void> delete(@PathParam("id") String id) {
        return access.held(id, principal()).chain(session -> SessionRegistry.storage(registry.delete(session)));
    }

    @POST
    @Path("{id}/tool-calls/{call}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Answer a client tool's call", description = "For a client that follows the session over HTTP: "
            + "the answer to the `tool_call` event `call` (its `call_id`), a `value` or an `error` message, as a WebSocket "
            + "client's `tool_result` frame.")
    @RequestBody(content = @Content(schema = @Schema(implementation = ToolAnswer.class), examples = @ExampleObject(
            name = "a value", value = "{\"value\": {\"price\": 21}}")))
    @APIResponse(responseCode = "204", description = "The code got the answer")
    @APIResponse(responseCode = "400", description = "invalid_event: no body", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "unknown_tool_call: no such call waits (answered, timed out, or its "
            + "action ended), or session_not_found", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    public Uni<Void> answerTool(@PathParam("id") String id, @PathParam("call") String call, ToolAnswer answer)
            throws ProtocolException {
        if (answer == null) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "the body must be {\"value\": …} or {\"error\": \"…\"}");
        }
        ClientEvent.ToolResult result = new ClientEvent.ToolResult(call, answer.value(), answer.error());
        return access.held(id, principal()).chain(session -> Uni.createFrom().<Boolean>emitter(answered ->
                        session.run(() -> answered.complete(session.answerTool(result)))))
                .chain(answered -> answered ? Uni.createFrom().voidItem() : Uni.createFrom().failure(new ProtocolException(
                        ErrorCode.UNKNOWN_TOOL_CALL, "no tool call " + call + " is waiting (answered already, timed out, or its action ended)")));
    }
}
