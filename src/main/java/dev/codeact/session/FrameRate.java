package dev.codeact.session;

/** A token bucket per connection: {@code perSecond} frames, bursts of twice that. */
final class FrameRate {

    private final double perNano;
    private final double burst;
    private double tokens;
    private long last = System.nanoTime();

    FrameRate(int perSecond) {
        this.perNano = perSecond / 1e9;
        this.burst = 2.0 * perSecond;
        this.tokens = burst;
    }

    synchronized boolean allow() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
