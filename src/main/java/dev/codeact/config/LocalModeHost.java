package dev.codeact.config;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Where the HTTP server listens unless {@code quarkus.http.host} says: in local mode (the default,
 * which answers clients on this machine only) on IPv4 loopback, with IPv6 loopback relayed to it
 * ({@code dev.codeact.security.LoopbackBridge}); in the other modes on every interface. Below
 * application.properties, the environment and system properties, so any of them decides instead
 * (the container images set {@code QUARKUS_HTTP_HOST=0.0.0.0}).
 */
public class LocalModeHost implements ConfigSourceFactory {

    static final int ORDINAL = 200;
    public static final String LOOPBACK = "127.0.0.1";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue mode = context.getValue("codeact.auth.mode");
        boolean local = mode == null || mode.getValue() == null || "local".equalsIgnoreCase(mode.getValue().strip());
        return List.of(new PropertiesConfigSource(Map.of("quarkus.http.host", local ? LOOPBACK : "0.0.0.0"),
                "codeact local-mode host", ORDINAL));
    }
}
