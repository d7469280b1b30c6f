package dev.codeact.session;

/** A token bucket: {@code perSecond} tokens, at most {@code burst} saved up. Thread-safe. */
final class TokenBucket {

    private final double perNano;
    private final double burst;
    private double tokens;
    private long last = System.nanoTime();

    TokenBucket(double perSecond, double burst) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
    }

    /** A connection's frames: {@code perSecond}, bursts of twice that. */
    static TokenBucket frames(int perSecond) {
        return new TokenBucket(perSecond, 2.0 * perSecond);
    }

    synchronized boolean allow() {
        refill();
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    /** Whether it is back to its full burst: then it holds nothing worth keeping. */
    synchronized boolean full() {
        refill();
        return tokens >= burst;
    }

    private void refill() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
    }
}
