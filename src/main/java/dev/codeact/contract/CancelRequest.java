package dev.codeact.contract;

/** Published on the cancel channel: every worker hears it, the one running the job interrupts it. */
public record CancelRequest(int v, String session, String jobId) {

    public CancelRequest {
        QueueCodec.require(session, "session");
        QueueCodec.require(jobId, "job_id");
    }
}
