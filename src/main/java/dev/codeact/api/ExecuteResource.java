package dev.codeact.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codeact.config.AgentConfig;
import dev.codeact.config.WorkerConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ExecuteRequest;
import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.Problem;
import dev.codeact.contract.ProtocolException;
import dev.codeact.queue.WorkerLoad;
import dev.codeact.session.CodeRunner;
import dev.codeact.session.PrincipalRate;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Code run in a session's kernel without a model (the code-interpreter use): one cell, answered
 * with its result or streamed as it runs. Same owner checks, limits and problems as the rest of
 * the sessions API.
 */
@Path("/v1/sessions/{id}/execute")
@Authenticated
@Tag(name = "Sessions", description = "Chat sessions and their kernels over HTTP")
@SecurityRequirement(name = "bearer")
@APIResponse(responseCode = "401", description = "No valid credential (or, in local mode, a client not on this machine)")
public class ExecuteResource {

    private final SessionAccess access;
    private final CodeRunner runner;
    private final AgentConfig agent;
    private final WorkerConfig worker;
    private final SecurityIdentity identity;
    private final WorkerLoad load;
    private final PrincipalRate rate;
    private final ObjectMapper json;

    public ExecuteResource(SessionAccess access, CodeRunner runner, AgentConfig agent, WorkerConfig worker,
                           SecurityIdentity identity, WorkerLoad load, PrincipalRate rate, ObjectMapper json) {
        this.access = access;
        this.runner = runner;
        this.agent = agent;
        this.worker = worker;
        this.identity = identity;
        this.load = load;
        this.rate = rate;
        this.json = json;
    }

    private String principal() {
        return identity.getPrincipal().getName();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run code in the session's kernel, without a model", description = "The code runs like an "
            + "action of a turn, in the same kernel (its variables are the session's), one at a time with the session's "
            + "other actions. It is not added to the session's events nor to the model's history. The answer is the "
            + "action's result (`ExecutionResult` in spec/codeact.schema.json).")
    @RequestBody(content = @Content(schema = @Schema(implementation = ExecuteRequest.class), examples = @ExampleObject(
            name = "a cell", value = "{\"code\": \"import numpy as np\\nnp.arange(3).sum()\", \"timeout_ms\": 30000}")))
    @APIResponse(responseCode = "200", description = "The code's result", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ExecutionResult.class), examples = @ExampleObject(name = "a value", value = """
                    {"output": "", "value": "3", "displays": [], "duration_ms": 2, "truncated": false, "timed_out": false,
                     "restarted": false, "cancelled": false, "sandbox": "runsc"}""")))
    @APIResponse(responseCode = "400", description = "invalid_event: no code, or a timeout out of bounds", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "overloaded or storage", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "504", description = "execution_failed: no worker reported", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> execute(@PathParam("id") String id, ExecuteRequest request) throws ProtocolException {
        long timeout = timeout(request);
        load.requireRoom();
        rate.take(principal());
        // A result may hold megabytes of figures and output: it is written as JSON on a worker
        // thread, not on the event loop the result arrived on.
        return access.held(id, principal()).onItem().transformToMulti(session -> runner.run(session, request.code(), timeout))
                .filter(p -> p instanceof CodeRunner.Done).map(p -> ((CodeRunner.Done) p).result())
                .toUni()
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(result -> Response.ok(json(result), MediaType.APPLICATION_JSON_TYPE).build());
    }

    private byte[] json(ExecutionResult result) {
        try {
            return json.writeValueAsBytes(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an execution's result", e);
        }
    }

    /**
     * One event of the stream, its data written as JSON here: an event given a media type to be
     * written with would carry it as a {@code content-type} field, which is not part of SSE.
     */
    private OutboundSseEvent event(Sse sse, String name, Object data) {
        try {
            return sse.newEventBuilder().name(name).data(json.writeValueAsString(data)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an event of an execution", e);
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Run code in the session's kernel, streaming its output", description = "As the JSON variant, "
            + "with `output` events (`ExecutionOutput`) while the code runs, a `restarted` event (an `action_restarted` "
            + "without its envelope) if it runs again from the start on another worker, and one `result` event (`ExecutionResult`) "
            + "at its end, or an `error` event (the protocol's error, seq 0). Closing the stream interrupts the code.")
    public Multi<OutboundSseEvent> executeStreaming(@PathParam("id") String id, ExecuteRequest request, @Context Sse sse)
            throws ProtocolException {
        long timeout = timeout(request);
        load.requireRoom();
        rate.take(principal());
        return access.held(id, principal()).onItem().transformToMulti(session -> runner.run(session, request.code(), timeout))
                .onItem().transformToUniAndConcatenate(p -> {
                    if (p instanceof CodeRunner.Output output) {
                        return Uni.createFrom().item(event(sse, "output", output.output()));
                    }
                    if (p instanceof CodeRunner.Restarted restarted) {
                        return Uni.createFrom().item(event(sse, "restarted", restarted.restart()));
                    }
                    // The result, as large as it may be, is written as JSON on a worker thread.
                    return Uni.createFrom().item(((CodeRunner.Done) p).result()).emitOn(Infrastructure.getDefaultWorkerPool())
                            .map(result -> event(sse, "result", result));
                })
                .onFailure().recoverWithItem(e -> SessionsResource.errorEvent(sse, id, e));
    }

    private long timeout(ExecuteRequest request) throws ProtocolException {
        if (request == null || request.code() == null) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "the body must be {\"code\": \"...\"}");
        }
        long max = worker.maxActionTimeout().toMillis();
        long timeout = request.timeoutMs() != null ? request.timeoutMs() : agent.actionTimeout().toMillis();
        if (timeout < 1 || timeout > max) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "timeout_ms must be 1 to " + max + " (codeact.worker.max-action-timeout)");
        }
        return timeout;
    }
}
