package dev.remora.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionsTest {

  @Test
  void defaultsFollowEnvoy() throws Exception {
    Options o = Options.parse(new String[] {"-c", "envoy.yaml"});
    assertThat(o.configPath()).isEqualTo(Path.of("envoy.yaml"));
    assertThat(o.concurrency()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(o.mode()).isEqualTo(Options.Mode.SERVE);
    assertThat(o.logLevel()).isEqualTo(Options.LogLevel.INFO);
    assertThat(o.drainTime()).isEqualTo(Duration.ofSeconds(600));
    assertThat(o.serviceNode()).isNull();
    assertThat(o.serviceCluster()).isNull();
    assertThat(o.configYaml()).isNull();
    assertThat(o.help()).isFalse();
  }

  @Test
  void readsEveryFlagInBothForms() throws Exception {
    Options o = Options.parse(new String[] {"--config-path=/etc/envoy.json", "--concurrency", "3",
        "--service-node", "node-1", "--service-cluster=front", "--mode", "validate", "-l", "warn",
        "--drain-time-s", "5", "--parent-shutdown-time-s", "10", "--config-yaml", "admin: {}"});
    assertThat(o.configPath()).isEqualTo(Path.of("/etc/envoy.json"));
    assertThat(o.concurrency()).isEqualTo(3);
    assertThat(o.serviceNode()).isEqualTo("node-1");
    assertThat(o.serviceCluster()).isEqualTo("front");
    assertThat(o.mode()).isEqualTo(Options.Mode.VALIDATE);
    assertThat(o.logLevel()).isEqualTo(Options.LogLevel.WARNING);
    assertThat(o.drainTime()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.parentShutdownTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.configYaml()).isEqualTo("admin: {}");

    assertThat(Options.parse(new String[] {"-c", "x", "--log-level", "CRITICAL"}).logLevel())
        .isEqualTo(Options.LogLevel.CRITICAL);
    assertThat(Options.parse(new String[] {"-c", "x", "-l", "off"}).logLevel()).isEqualTo(Options.LogLevel.OFF);
  }

  @Test
  void configYamlAloneIsEnoughAndHelpNeedsNothing() throws Exception {
    assertThat(Options.parse(new String[] {"--config-yaml", "node: {id: a}"}).configPath()).isNull();
    assertThat(Options.parse(new String[] {"--help"}).help()).isTrue();
    assertThat(Options.usage()).contains("--config-path", "--concurrency", "--mode serve|validate", "--drain-time-s");
  }

  @Test
  void loadsTheBootstrapAndOverridesTheNode() throws Exception {
    Path file = Path.of(OptionsTest.class.getResource("/bootstrap/ads.yaml").toURI());
    Bootstrap plain = Options.parse(new String[] {"-c", file.toString()}).loadBootstrap();
    assertThat(plain.getNode().getId()).isEqualTo("sidecar-1");
    assertThat(plain.getNode().getCluster()).isEqualTo("demo");

    Bootstrap b = Options.parse(new String[] {"-c", file.toString(), "--service-node", "pod-7",
        "--service-cluster", "shop"}).loadBootstrap();
    assertThat(b.getNode().getId()).isEqualTo("pod-7");
    assertThat(b.getNode().getCluster()).isEqualTo("shop");
    assertThat(b.getDynamicResources()).isEqualTo(plain.getDynamicResources());

    assertThatThrownBy(() -> Options.parse(new String[] {"--config-yaml", "stats_config: {}"}).loadBootstrap())
        .isInstanceOf(ConfigException.class)
        .hasMessage("stats_config: not supported by Remora (--config-yaml:1:1)");
  }

  @Test
  void usageErrorsSayWhatIsWrong() {
    assertThatThrownBy(() -> Options.parse(new String[] {"-c", "x", "--bogus"}))
        .isInstanceOf(Options.UsageException.class).hasMessage("unknown option --bogus");
    assertThatThrownBy(() -> Options.parse(new String[] {}))
        .hasMessage("no configuration: give -c FILE or --config-yaml YAML");
    assertThatThrownBy(() -> Options.parse(new String[] {"-c"})).hasMessage("-c: missing value");
    assertThatThrownBy(() -> Options.parse(new String[] {"-c", "x", "--concurrency", "0"}))
        .hasMessage("--concurrency: 0 (expected: an integer >= 1)");
    assertThatThrownBy(() -> Options.parse(new String[] {"-c", "x", "--mode", "check"}))
        .hasMessage("--mode: check (expected: serve or validate)");
    assertThatThrownBy(() -> Options.parse(new String[] {"-c", "x", "-l", "loud"}))
        .hasMessage("--log-level: loud (expected: trace, debug, info, warning, warn, error, critical, off)");
    assertThatThrownBy(() -> Options.parse(new String[] {"-c", "x", "--drain-time-s", "-1"}))
        .hasMessage("--drain-time-s: -1 (expected: seconds >= 0)");
    assertThatThrownBy(() -> Options.parse(new String[] {"-c", "x", "--base-id", "1"}))
        .hasMessage("--base-id: not supported by Remora (no hot restart)");
  }
}
