package dev.codeact.api;

import dev.codeact.contract.Problem;
import dev.codeact.session.SessionRegistry;
import dev.codeact.session.SessionStore;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * A session's chat as a file to keep or share: a Jupyter notebook, or Markdown. Both are made
 * from the session's stored events by {@link Transcript}, so they show what the clients saw.
 */
@Path("/v1/sessions")
@Authenticated
@Tag(name = "Sessions")
@SecurityRequirement(name = "bearer")
@APIResponse(responseCode = "401", description = "No valid credential (or, in local mode, a client not on this machine)")
@APIResponse(responseCode = "404", description = "session_not_found", content = @Content(mediaType = Problem.MEDIA_TYPE,
        schema = @Schema(implementation = Problem.class)))
public class ExportResource {

    static final String NOTEBOOK = "application/x-ipynb+json";
    static final String MARKDOWN = "text/markdown;charset=utf-8";
    /** Events read from Redis at a time. */
    private static final int PAGE = 2000;

    private final SessionStore store;
    private final SessionAccess access;
    private final SecurityIdentity identity;

    public ExportResource(SessionStore store, SessionAccess access, SecurityIdentity identity) {
        this.store = store;
        this.access = access;
        this.identity = identity;
    }

    @GET
    @Path("{id}/notebook")
    @Produces(NOTEBOOK)
    @Operation(summary = "The chat as a Jupyter notebook", description = "nbformat 4.5: the user's messages and the "
            + "model's text as markdown cells, each action a code cell with its outputs (streams, displays such as figures "
            + "and tables, the value, errors with their traceback), from the session's stored events.")
    @APIResponse(responseCode = "200", description = "The notebook (a download)", content = @Content(mediaType = NOTEBOOK))
    public Uni<Response> notebook(@PathParam("id") String id) {
        return transcript(id).map(t -> download(t.notebookJson(), NOTEBOOK, id + ".ipynb"));
    }

    @GET
    @Path("{id}/markdown")
    @Produces(MARKDOWN)
    @Operation(summary = "The chat as Markdown", description = "As the notebook: messages as text, code fenced, outputs "
            + "fenced as text, PNG figures inline as data URLs.")
    @APIResponse(responseCode = "200", description = "The chat (a download)", content = @Content(mediaType = MARKDOWN))
    public Uni<Response> markdown(@PathParam("id") String id) {
        return transcript(id).map(t -> download(t.markdown(), MARKDOWN, id + ".md"));
    }

    private static Response download(String body, String type, String name) {
        return Response.ok(body, type).header("Content-Disposition", "attachment; filename=\"codeact-" + name + "\"").build();
    }

    /** Every stored event of the session read into a transcript, page by page, off the event loop (a log may be megabytes). */
    private Uni<Transcript> transcript(String id) {
        Transcript transcript = new Transcript(id);
        return access.owned(id, identity.getPrincipal().getName()).chain(() -> readInto(transcript, id, 0)).replaceWith(transcript);
    }

    private Uni<Void> readInto(Transcript transcript, String id, long after) {
        return SessionRegistry.storage(store.eventsAfter(id, after, PAGE)).emitOn(Infrastructure.getDefaultWorkerPool())
                .chain(events -> {
                    events.forEach(e -> transcript.accept(e.json()));
                    return events.size() < PAGE ? Uni.createFrom().voidItem()
                            : readInto(transcript, id, events.get(events.size() - 1).seq());
                });
    }
}
