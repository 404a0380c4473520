package dev.remora.proxy.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Envoy's default tag extraction ({@code stats_config.use_all_default_tags}), so Prometheus series
 * carry the labels Envoy dashboards expect. Each rule is a regex whose group 1 is cut out of the name
 * and whose group 2 is the tag's value; rules run in order, each on the name the previous ones left:
 * <ul>
 *   <li>{@code cluster.backend.upstream_rq_2xx} → {@code cluster.upstream_rq_xx}
 *       {envoy.response_code_class=2, envoy.cluster_name=backend}</li>
 *   <li>{@code http.ingress_http.downstream_rq_total} → {@code http.downstream_rq_total}
 *       {envoy.http_conn_manager_prefix=ingress_http}</li>
 *   <li>{@code listener.0.0.0.0_8080.downstream_cx_total} → {@code listener.downstream_cx_total}
 *       {envoy.listener_address=0.0.0.0_8080}</li>
 * </ul>
 * Results are cached: stat names are few and fixed once created.
 */
public final class EnvoyTagExtractor {
  private record Rule(String tag, Pattern pattern) {}

  private static final List<Rule> RULES = List.of(
      // *_rq_<code>: upstream_rq_200 → upstream_rq {envoy.response_code=200}
      rule("envoy.response_code", "_rq(_(\\d{3}))$"),
      // *_rq_<class>xx: upstream_rq_2xx → upstream_rq_xx {envoy.response_code_class=2}
      rule("envoy.response_code_class", "_rq_((\\d))xx$"),
      // http.[<stat_prefix>.]user_agent.<agent>.<stat>
      rule("envoy.http_user_agent", "^http(?=\\.).*?\\.user_agent\\.((.*?)\\.)\\w+?$"),
      // listener.<address>.http.<stat_prefix>.<stat> and http.<stat_prefix>.<stat>
      rule("envoy.http_conn_manager_prefix", "^listener(?=\\.).*?\\.http\\.((.*?)\\.)"),
      rule("envoy.http_conn_manager_prefix", "^http\\.((.*?)\\.)"),
      // http.[<stat_prefix>.]rds.<route_config_name>.<stat>
      rule("envoy.rds_route_config", "^http(?=\\.).*?\\.rds\\.((.*?)\\.)\\w+?$"),
      // listener.<address>.<stat>: an IPv4 or bracketed IPv6 address with _port
      rule("envoy.listener_address", "^listener\\.(((?:[_.\\d]*|[_\\[\\]aAbBcCdDeEfF\\d]*))\\.)"),
      // listener.<address>.worker_<n>. / server.worker_<n>. / listener_manager.worker_<n>.
      rule("envoy.worker_id", "^(?:listener|listener_manager|server)\\.worker_((\\d+)\\.)"),
      // cluster.<name>.<stat>
      rule("envoy.cluster_name", "^cluster\\.((.*?)\\.)"),
      // vhost.<name>.[vcluster.<name>.]<stat>
      rule("envoy.virtual_cluster", "^vhost\\.[\\w\\-.]*?\\.vcluster\\.((.*?)\\.)\\w+?$"),
      rule("envoy.virtual_host", "^vhost\\.((.*?)\\.)"),
      // tcp.<stat_prefix>.<stat>
      rule("envoy.tcp_prefix", "^tcp\\.((.*?)\\.)\\w+?$"),
      // ratelimit.<stat_prefix>.<stat>
      rule("envoy.ratelimit_prefix", "^ratelimit\\.((.*?)\\.)\\w+?$"));

  private static final EnvoyTagExtractor DEFAULT = new EnvoyTagExtractor();

  private final Map<String, TaggedName> cache = new ConcurrentHashMap<>();

  public static EnvoyTagExtractor defaults() {
    return DEFAULT;
  }

  private static Rule rule(String tag, String regex) {
    return new Rule(tag, Pattern.compile(regex));
  }

  /** The tag-extracted form of {@code statName}. */
  public TaggedName extract(String statName) {
    return cache.computeIfAbsent(statName, EnvoyTagExtractor::compute);
  }

  private static TaggedName compute(String statName) {
    String name = statName;
    List<TaggedName.Tag> tags = new ArrayList<>(2);
    for (Rule rule : RULES) {
      Matcher m = rule.pattern.matcher(name);
      if (!m.find() || m.group(2).isEmpty()) {
        continue;
      }
      tags.add(new TaggedName.Tag(rule.tag, m.group(2)));
      name = name.substring(0, m.start(1)) + name.substring(m.end(1));
    }
    return new TaggedName(name, tags);
  }
}
