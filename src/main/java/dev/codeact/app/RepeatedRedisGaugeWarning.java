package dev.codeact.app;

import io.quarkus.logging.LoggingFilter;
import java.util.Arrays;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Quarkus' Vert.x pool metrics register the Redis pool's gauges once per pool-metrics object, and
 * the Redis client makes two for its one pool (quarkusio/quarkus#47504, open upstream, the same
 * for the SQL clients): Micrometer keeps the first registration, ignores the second and warns at
 * every start, before any meter filter of the application is in place. The metric is right; the
 * warning is noise an operator cannot act on, so this one is dropped (console and file). Any other
 * repeated registration still shows. StartScriptIT reads a start's log for it.
 */
@LoggingFilter(name = "repeated-redis-gauge")
public final class RepeatedRedisGaugeWarning implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!"io.micrometer.core.instrument.MeterRegistry".equals(record.getLoggerName())) {
            return true;
        }
        String text = record.getMessage() + Arrays.toString(record.getParameters());
        return !(text.contains("already registered") && text.contains("name='redis.pool."));
    }
}
