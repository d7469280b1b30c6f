package dev.codeact.contract;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Every record of the contract, listed once: the native executable keeps their accessors for
 * Jackson (Quarkus only does that by itself for REST and websockets-next types). Client events
 * and the REST bodies would not need it; listing all of them keeps the rule one line, which
 * NativeRegistrationTest checks (it found FileOp, read inside a Job, missing). WireTypes itself is
 * listed so that its annotation, which WireJson.warmUp reads, is kept in a native executable.
 */
@RegisterForReflection(targets = {
        ServerEvent.SessionInfo.class, ServerEvent.TurnStart.class, ServerEvent.Token.class, ServerEvent.Action.class,
        ServerEvent.ObservationChunk.class, ServerEvent.ActionRestarted.class, ServerEvent.Observation.class, ServerEvent.TurnEnd.class,
        ServerEvent.Error.class, ServerEvent.Pong.class, ServerEvent.EventsLost.class, ServerEvent.Files.class, FileInfo.class,
        ExecutionResult.class, ExecutionResult.ErrorInfo.class, Display.class,
        Job.class, Result.class, Result.Chunk.class, Result.ToolCalled.class, Result.Observation.class, CancelRequest.class, KernelFrame.class, KernelCommand.class, ChatMessage.class, Usage.class,
        Sampling.class, SessionTaken.class, KernelRelease.class,
        ServerEvent.ToolCall.class, ServerEvent.ToolResult.class, ToolSpec.class, PythonTool.class, PythonTool.Param.class,
        ToolFailure.class, ToolCall.class, ToolReply.class, ToolInfo.class, ToolAnswer.class, FileOp.class,
        ClientEvent.UserMessage.class, ClientEvent.Cancel.class, ClientEvent.Resume.class, ClientEvent.Ping.class,
        ClientEvent.ToolResult.class, ExecuteRequest.class, ExecutionOutput.class, Problem.class, SessionSummary.class,
        GatewayInfo.class, McpServerState.class, SessionUpdate.class, WireTypes.class})
final class WireTypes {

    private WireTypes() {}
}
