package dev.codeact.api;

import dev.codeact.config.WorkerConfig;
import dev.codeact.contract.ErrorCode;
import dev.codeact.contract.ExecutionResult;
import dev.codeact.contract.FileInfo;
import dev.codeact.contract.FileOp;
import dev.codeact.contract.Problem;
import dev.codeact.contract.ProtocolException;
import dev.codeact.contract.Result;
import dev.codeact.session.CodeRunner;
import dev.codeact.session.Session;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * A session's working directory (the kernel's current directory in its sandbox): upload a file
 * for the code to read, list and download what the code wrote, delete. Each operation runs in
 * the session's kernel, in order with its actions, so it works wherever the kernel lives; the
 * kernel checks names and never follows a link, and the worker bounds what comes back.
 */
@Path("/v1/sessions/{id}/files")
@Authenticated
@Tag(name = "Files", description = "A session's working directory")
@SecurityRequirement(name = "bearer")
@APIResponse(responseCode = "401", description = "No valid credential (or, in local mode, a client not on this machine)")
@APIResponse(responseCode = "404", description = "session_not_found or file_not_found", content = @Content(
        mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class FilesResource {

    private static final Logger LOG = Logger.getLogger(FilesResource.class);

    /** Types a download keeps; anything else (HTML, SVG, scripts) is sent as bytes, so it never renders as the gateway's page. */
    private static final Map<String, String> SAFE_TYPES = Map.of("png", "image/png", "jpg", "image/jpeg", "jpeg", "image/jpeg",
            "gif", "image/gif", "csv", "text/csv", "txt", "text/plain", "json", "application/json", "pdf", "application/pdf");

    /** Bytes of a file per job, each way (a megabyte of base64); the kernel reads a download in pieces of the same size. */
    static final int PIECE = 786_432;

    private final SessionAccess access;
    private final CodeRunner runner;
    private final WorkerConfig worker;
    private final SecurityIdentity identity;

    public FilesResource(SessionAccess access, CodeRunner runner, WorkerConfig worker, SecurityIdentity identity) {
        this.access = access;
        this.runner = runner;
        this.worker = worker;
        this.identity = identity;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "List the working directory", description = "Its regular files with safe names, by name (at most 200).")
    @APIResponse(responseCode = "200", description = "The files", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = FileInfo.class, type = SchemaType.ARRAY)))
    public Uni<List<FileInfo>> list(@PathParam("id") String id) {
        return run(id, FileOp.list()).map(ExecutionResult::files);
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Upload a file", description = "The body becomes the file `name` (replacing one of that name), "
            + "streamed to the kernel in pieces as it arrives; the file appears whole once the last piece is in. The "
            + "model is told with the next message; the session's clients get a `files` event. Names: letters, digits, "
            + "`. _ -` and spaces, not starting with a dot, at most 128 characters.")
    @APIResponse(responseCode = "200", description = "The working directory after the upload", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FileInfo.class, type = SchemaType.ARRAY)))
    @APIResponse(responseCode = "400", description = "invalid_event: not a safe name", content = @Content(
            mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "file_too_large: over codeact.worker.max-file-bytes, or the "
            + "session's files fill its sandbox", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM,
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @Blocking
    public List<FileInfo> upload(@PathParam("id") String id, @PathParam("name") String name, InputStream body)
            throws ProtocolException, IOException {
        checkName(name);
        Session session = await(access.held(id, identity.getPrincipal().getName()));
        // The body streams in as it is read: a piece at a time goes to the kernel, one job after the
        // other, so neither the gateway nor Redis holds more than two pieces of the file.
        byte[] piece = body.readNBytes(PIECE);
        long total = 0;
        boolean started = false;
        try {
            for (boolean first = true; ; first = false) {
                byte[] next = piece.length == PIECE ? body.readNBytes(PIECE) : new byte[0];
                total += piece.length;
                if (total > worker.maxFileBytes()) {
                    body.transferTo(OutputStream.nullOutputStream()); // the client is still sending: let it finish, then refuse
                    throw new ProtocolException(ErrorCode.FILE_TOO_LARGE, "over codeact.worker.max-file-bytes (" + worker.maxFileBytes() + ")");
                }
                boolean last = next.length == 0;
                started = true;
                ExecutionResult result = await(runner.file(session, FileOp.piece(name, first, Base64.getEncoder().encodeToString(piece), last)));
                if (result.error() != null) {
                    throw refusal(result.error());
                }
                if (last) {
                    return result.files();
                }
                piece = next;
            }
        } catch (ProtocolException | IOException | RuntimeException failed) {
            if (started) {
                discard(session, name); // an upload cut off (the client went, too large) leaves nothing behind
            }
            throw failed;
        }
    }

    private void discard(Session session, String name) {
        try {
            await(runner.file(session, FileOp.discard(name)));
        } catch (ProtocolException | RuntimeException e) {
            LOG.debugf("an unfinished upload was not discarded: %s", e.getMessage());
        }
    }

    /** Waits on the worker thread of a blocking method; the problem a failure carries stays a problem. */
    private static <T> T await(Uni<T> pending) throws ProtocolException {
        try {
            return pending.await().indefinitely();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ProtocolException refused) {
                throw refused;
            }
            throw e;
        }
    }

    @GET
    @Path("{name}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Download a file", description = "As an attachment; images, CSV, text, JSON and PDF keep their type, "
            + "anything else is sent as bytes.")
    @APIResponse(responseCode = "200", description = "The file")
    public RestMulti<byte[]> download(@PathParam("id") String id, @PathParam("name") String name) throws ProtocolException {
        checkName(name);
        // The file streams as the kernel reads it; a refusal (no such file) comes before any byte, so it is still a problem.
        Multi<byte[]> bytes = access.held(id, identity.getPrincipal().getName())
                .onItem().transformToMulti(session -> runner.fileStream(session, FileOp.get(name)))
                .onItem().transformToUniAndConcatenate(progress -> {
                    if (progress instanceof CodeRunner.Output piece) {
                        return Result.FILE.equals(piece.output().stream())
                                ? Uni.createFrom().item(Base64.getDecoder().decode(piece.output().text())) : Uni.createFrom().nullItem();
                    }
                    ExecutionResult.ErrorInfo error = ((CodeRunner.Done) progress).result().error();
                    return error == null ? Uni.createFrom().nullItem() : Uni.createFrom().failure(refusal(error));
                });
        return RestMulti.fromMultiData(bytes).header("Content-Type", type(name))
                .header("Content-Disposition", "attachment; filename=\"" + name + "\"").build();
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a file")
    @APIResponse(responseCode = "204", description = "Deleted")
    public Uni<Void> delete(@PathParam("id") String id, @PathParam("name") String name) throws ProtocolException {
        checkName(name);
        return run(id, FileOp.delete(name)).replaceWithVoid();
    }

    private static void checkName(String name) throws ProtocolException {
        if (!FileOp.validName(name)) {
            throw new ProtocolException(ErrorCode.INVALID_EVENT, "not a safe file name: letters, digits, '. _ -' and spaces, "
                    + "not starting with a dot, at most 128 characters");
        }
    }

    private static String type(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? MediaType.APPLICATION_OCTET_STREAM
                : SAFE_TYPES.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), MediaType.APPLICATION_OCTET_STREAM);
    }

    /** The operation's result; the kernel's refusal as a problem. */
    private Uni<ExecutionResult> run(String id, FileOp op) {
        return access.held(id, identity.getPrincipal().getName()).chain(session -> runner.file(session, op))
                .chain(result -> result.error() == null ? Uni.createFrom().item(result) : Uni.createFrom().failure(refusal(result.error())));
    }

    private static ProtocolException refusal(ExecutionResult.ErrorInfo error) {
        String why = error.value();
        return switch (error.name()) {
            case "FileNotFoundError" -> new ProtocolException(ErrorCode.FILE_NOT_FOUND, why);
            case "FileTooLarge" -> new ProtocolException(ErrorCode.FILE_TOO_LARGE, why);
            case "FileChangedError" -> new ProtocolException(ErrorCode.FILE_CHANGED, why);
            case "FileNameError" -> new ProtocolException(ErrorCode.INVALID_EVENT, why);
            default -> why != null && why.contains("No space left")
                    ? new ProtocolException(ErrorCode.FILE_TOO_LARGE, "the session's files fill its sandbox (codeact.worker.tmpfs-mb)")
                    : new ProtocolException(ErrorCode.EXECUTION_FAILED, error.name() + ": " + why);
        };
    }
}
