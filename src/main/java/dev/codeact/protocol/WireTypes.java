package dev.codeact.protocol;

import dev.codeact.api.InfoResource;
import dev.codeact.llm.ChatMessage;
import dev.codeact.llm.Sampling;
import dev.codeact.llm.Usage;
import dev.codeact.queue.CancelRequest;
import dev.codeact.queue.ExecutionResult;
import dev.codeact.queue.Job;
import dev.codeact.queue.KernelRelease;
import dev.codeact.queue.Result;
import dev.codeact.queue.SessionTaken;
import dev.codeact.sandbox.KernelFrame;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Every type our own JSON mapper reads or writes, listed once: the native executable keeps
 * their accessors for Jackson (Quarkus only does that by itself for REST and websockets-next types).
 */
@RegisterForReflection(targets = {
        ServerEvent.SessionInfo.class, ServerEvent.TurnStart.class, ServerEvent.Token.class, ServerEvent.Action.class,
        ServerEvent.ObservationChunk.class, ServerEvent.Observation.class, ServerEvent.TurnEnd.class,
        ServerEvent.Error.class, ServerEvent.Pong.class, ServerEvent.EventsLost.class,
        ExecutionResult.class, ExecutionResult.ErrorInfo.class, ExecutionResult.Image.class,
        Job.class, Result.class, CancelRequest.class, KernelFrame.class, ChatMessage.class, Usage.class,
        Sampling.class, SessionTaken.class, KernelRelease.class,
        InfoResource.Info.class})
final class WireTypes {

    private WireTypes() {}
}
