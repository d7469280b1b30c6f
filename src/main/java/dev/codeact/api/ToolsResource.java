package dev.codeact.api;

import dev.codeact.contract.ToolInfo;
import dev.codeact.tools.PythonSignatures;
import dev.codeact.tools.ToolCatalog;
import dev.codeact.tools.Toolbox;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** The gateway's tools (its MCP servers') that the caller's sessions get, as the kernel defines them. */
@Path("/v1/tools")
@Authenticated
@SecurityRequirement(name = "bearer")
public class ToolsResource {

    private final ToolCatalog catalog;
    private final SecurityIdentity identity;

    public ToolsResource(ToolCatalog catalog, SecurityIdentity identity) {
        this.catalog = catalog;
        this.identity = identity;
    }

    @GET
    @NonBlocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The gateway's tools", description = "The MCP tools the caller's sessions may call (codeact.tools.allow), "
            + "with the Python signature and docstring the kernel gives them. A session's client tools come on top.")
    public List<ToolInfo> tools() {
        Toolbox toolbox = catalog.forSession(identity.getPrincipal().getName(), List.of());
        return toolbox.python().stream().map(t -> new ToolInfo(t.name(), "mcp:" + toolbox.get(t.name()).mcp().server(),
                PythonSignatures.signature(t), t.doc())).toList();
    }
}
