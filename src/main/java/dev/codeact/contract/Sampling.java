package dev.codeact.contract;

/** Per-session choices of model and sampling; a null field means the configured default. */
public record Sampling(String model, Double temperature, Integer maxTokens, Double topP) {

    public static final Sampling DEFAULTS = new Sampling(null, null, null, null);

    /** These choices, overridden by the non-null fields of {@code newer}. */
    public Sampling merge(Sampling newer) {
        return new Sampling(
                newer.model != null ? newer.model : model,
                newer.temperature != null ? newer.temperature : temperature,
                newer.maxTokens != null ? newer.maxTokens : maxTokens,
                newer.topP != null ? newer.topP : topP);
    }
}
