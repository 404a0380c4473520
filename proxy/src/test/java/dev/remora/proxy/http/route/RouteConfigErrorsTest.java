package dev.remora.proxy.http.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.remora.proxy.config.ConfigException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every refused field and invalid value, with the exact path and message a user sees. */
class RouteConfigErrorsTest {
  private static final String OK_ROUTE = "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"}}";

  private static String top(String fields) {
    return "{" + fields + ",\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":[" + OK_ROUTE + "]}]}";
  }

  private static String vh(String fields) {
    return "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"]," + fields + ",\"routes\":[" + OK_ROUTE + "]}]}";
  }

  /** The second route of the virtual host is {@code routeJson}, so paths read routes[1]. */
  private static String route(String routeJson) {
    return "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":[" + OK_ROUTE + "," + routeJson + "]}]}";
  }

  private static String match(String matchJson) {
    return route("{\"match\":" + matchJson + ",\"route\":{\"cluster\":\"c\"}}");
  }

  private static String fwd(String routeActionJson) {
    return route("{\"match\":{\"prefix\":\"/\"},\"route\":" + routeActionJson + "}");
  }

  private static String redirect(String redirectJson) {
    return route("{\"match\":{\"prefix\":\"/\"},\"redirect\":" + redirectJson + "}");
  }

  private static String header(String headerMatcherJson) {
    return match("{\"prefix\":\"/\",\"headers\":[" + headerMatcherJson + "]}");
  }

  private static String addHeader(String headerValueOptionJson) {
    return route("{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"},\"request_headers_to_add\":[" + headerValueOptionJson + "]}");
  }

  private static String addValue(String value) {
    return addHeader("{\"header\":{\"key\":\"x-a\",\"value\":\"" + value + "\"}}");
  }

  private static final String R = "virtual_hosts[0].routes[1]";
  private static final String NS = ": not supported by Remora";

  static Stream<Arguments> notSupported() {
    return Stream.of(
        arguments(top("\"vhds\":{\"config_source\":{\"ads\":{}}}"), "vhds"),
        arguments(top("\"request_mirror_policies\":[{\"cluster\":\"m\"}]"), "request_mirror_policies"),
        arguments(top("\"ignore_path_parameters_in_path_matching\":true"), "ignore_path_parameters_in_path_matching"),
        arguments(top("\"metadata\":{\"typed_filter_metadata\":{\"f\":{\"@type\":\"type.googleapis.com/google.protobuf.StringValue\",\"value\":\"x\"}}}"),
            "metadata.typed_filter_metadata"),
        arguments(vh("\"cors\":{}"), "virtual_hosts[0].cors"),
        arguments(vh("\"retry_policy\":{\"retry_on\":\"5xx\",\"host_selection_retry_max_attempts\":3}"),
            "virtual_hosts[0].retry_policy.host_selection_retry_max_attempts"),
        arguments(vh("\"rate_limits\":[{}]"), "virtual_hosts[0].rate_limits"),
        arguments(vh("\"virtual_clusters\":[{\"name\":\"v\"}]"), "virtual_hosts[0].virtual_clusters"),
        arguments(vh("\"include_request_attempt_count\":true"), "virtual_hosts[0].include_request_attempt_count"),
        arguments(vh("\"per_request_buffer_limit_bytes\":1024"), "virtual_hosts[0].per_request_buffer_limit_bytes"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"},\"decorator\":{\"operation\":\"op\"}}"), R + ".decorator"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"non_forwarding_action\":{}}"), R + ".non_forwarding_action"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"},\"per_request_buffer_limit_bytes\":1}"),
            R + ".per_request_buffer_limit_bytes"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"},\"metadata\":{\"typed_filter_metadata\":"
            + "{\"f\":{\"@type\":\"type.googleapis.com/google.protobuf.StringValue\",\"value\":\"x\"}}}}"), R + ".metadata.typed_filter_metadata"),
        arguments(match("{\"prefix\":\"/\",\"runtime_fraction\":{\"default_value\":{\"numerator\":1}}}"), R + ".match.runtime_fraction"),
        arguments(match("{\"prefix\":\"/\",\"tls_context\":{\"presented\":true}}"), R + ".match.tls_context"),
        arguments(match("{\"connect_matcher\":{}}"), R + ".match.connect_matcher"),
        arguments(match("{\"prefix\":\"/\",\"dynamic_metadata\":[{\"filter\":\"f\"}]}"), R + ".match.dynamic_metadata"),
        arguments(fwd("{\"cluster\":\"c\",\"retry_policy\":{\"retry_on\":\"5xx\",\"per_try_idle_timeout\":\"1s\"}}"),
            R + ".route.retry_policy.per_try_idle_timeout"),
        arguments(fwd("{\"cluster\":\"c\",\"retry_policy\":{\"retry_back_off\":{\"base_interval\":\"1s\"},"
            + "\"rate_limited_retry_back_off\":{}}}"), R + ".route.retry_policy.rate_limited_retry_back_off"),
        arguments(fwd("{\"cluster\":\"c\",\"upgrade_configs\":[{\"upgrade_type\":\"websocket\"}]}"), R + ".route.upgrade_configs"),
        arguments(fwd("{\"cluster\":\"c\",\"request_mirror_policies\":[{\"cluster\":\"m\"}]}"), R + ".route.request_mirror_policies"),
        arguments(fwd("{\"cluster\":\"c\",\"metadata_match\":{}}"), R + ".route.metadata_match"),
        arguments(fwd("{\"cluster\":\"c\",\"max_stream_duration\":{}}"), R + ".route.max_stream_duration"),
        arguments(fwd("{\"cluster\":\"c\",\"priority\":\"HIGH\"}"), R + ".route.priority"),
        arguments(fwd("{\"cluster\":\"c\",\"append_x_forwarded_host\":true}"), R + ".route.append_x_forwarded_host"),
        arguments(fwd("{\"cluster\":\"c\",\"host_rewrite_path_regex\":{\"pattern\":{\"regex\":\"a\"},\"substitution\":\"b\"}}"),
            R + ".route.host_rewrite_path_regex"),
        arguments(fwd("{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\",\"weight\":1}],\"header_name\":\"x\"}}"),
            R + ".route.weighted_clusters.header_name"),
        arguments(fwd("{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\",\"weight\":1,\"metadata_match\":{}}]}}"),
            R + ".route.weighted_clusters.clusters[0].metadata_match"),
        arguments(fwd("{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\",\"weight\":1,\"host_rewrite_literal\":\"h\"}]}}"),
            R + ".route.weighted_clusters.clusters[0].host_rewrite_literal"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":200,\"body\":{\"environment_variable\":\"X\"}}}"),
            R + ".direct_response.body.environment_variable"),
        arguments(header("{\"name\":\"a\",\"range_match\":{\"start\":1,\"end\":2}}"), R + ".match.headers[0].range_match"),
        arguments(header("{\"name\":\"a\",\"string_match\":{\"custom\":{\"name\":\"x\"}}}"), R + ".match.headers[0].string_match.custom"),
        arguments(addHeader("{\"header\":{\"key\":\"x-a\",\"raw_value\":\"YQ==\"}}"), R + ".request_headers_to_add[0].header.raw_value"));
  }

  @ParameterizedTest
  @MethodSource
  void notSupported(String json, String path) {
    assertThatThrownBy(() -> Routes.table(json))
        .isInstanceOf(ConfigException.class)
        .hasMessage(path + NS)
        .satisfies(e -> assertThat(((ConfigException) e).fieldPath()).isEqualTo(path));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        arguments(vh("\"require_tls\":\"EXTERNAL_ONLY\""), "virtual_hosts[0].require_tls: EXTERNAL_ONLY not supported by Remora"),
        arguments(top("\"internal_only_headers\":[\"\"]"), "internal_only_headers[0]: must not be empty"),
        arguments(route("{\"route\":{\"cluster\":\"c\"}}"), R + ".match: is required"),
        arguments(route("{\"match\":{\"prefix\":\"/\"}}"), R + ": one of route, redirect or direct_response is required"),
        arguments(match("{\"case_sensitive\":true}"), R + ".match: one of prefix, path, safe_regex or path_separated_prefix is required"),
        arguments(match("{\"safe_regex\":{\"regex\":\"/a(\"}}"),
            R + ".match.safe_regex.regex: invalid RE2 regex: error parsing regexp: missing closing ): `/a(`"),
        arguments(match("{\"safe_regex\":{\"regex\":\"\"}}"), R + ".match.safe_regex.regex: must not be empty"),
        arguments(match("{\"path_separated_prefix\":\"/a/\"}"), R + ".match.path_separated_prefix: must not end with '/'"),
        arguments(match("{\"path_separated_prefix\":\"a\"}"), R + ".match.path_separated_prefix: must start with '/'"),
        arguments(match("{\"path_separated_prefix\":\"/a?b\"}"), R + ".match.path_separated_prefix: must not contain '?' or '#'"),
        arguments(header("{\"exact_match\":\"x\"}"), R + ".match.headers[0].name: must not be empty"),
        arguments(header("{\"name\":\"a\",\"string_match\":{\"safe_regex\":{\"regex\":\"[\"}}}"),
            R + ".match.headers[0].string_match.safe_regex.regex: invalid RE2 regex: error parsing regexp: missing closing ]: `[`"),
        arguments(header("{\"name\":\"a\",\"safe_regex_match\":{\"regex\":\"*\"}}"),
            R + ".match.headers[0].safe_regex_match.regex: invalid RE2 regex: error parsing regexp: missing argument to repetition operator: `*`"),
        arguments(header("{\"name\":\"a\",\"string_match\":{\"safe_regex\":{\"regex\":\"a\"},\"ignore_case\":true}}"),
            R + ".match.headers[0].string_match.ignore_case: cannot be used with safe_regex"),
        arguments(header("{\"name\":\"a\",\"string_match\":{\"prefix\":\"\"}}"), R + ".match.headers[0].string_match.prefix: must not be empty"),
        arguments(header("{\"name\":\"a\",\"prefix_match\":\"\"}"), R + ".match.headers[0].prefix_match: must not be empty"),
        arguments(header("{\"name\":\"a\",\"string_match\":{}}"),
            R + ".match.headers[0].string_match: one of exact, prefix, suffix, contains or safe_regex is required"),
        arguments(match("{\"prefix\":\"/\",\"query_parameters\":[{\"name\":\"q\"}]}"),
            R + ".match.query_parameters[0]: one of string_match or present_match is required"),
        arguments(match("{\"prefix\":\"/\",\"query_parameters\":[{\"name\":\"q\",\"present_match\":false}]}"),
            R + ".match.query_parameters[0].present_match: must be true"),
        arguments(match("{\"prefix\":\"/\",\"query_parameters\":[{\"present_match\":true}]}"),
            R + ".match.query_parameters[0].name: must not be empty"),
        arguments(fwd("{}"), R + ".route: one of cluster, cluster_header or weighted_clusters is required"),
        arguments(fwd("{\"cluster\":\"\"}"), R + ".route.cluster: must not be empty"),
        arguments(fwd("{\"cluster_header\":\"\"}"), R + ".route.cluster_header: must not be empty"),
        arguments(fwd("{\"weighted_clusters\":{}}"), R + ".route.weighted_clusters.clusters: at least one cluster is required"),
        arguments(fwd("{\"weighted_clusters\":{\"clusters\":[{\"weight\":1}]}}"), R + ".route.weighted_clusters.clusters[0].name: must not be empty"),
        arguments(fwd("{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\",\"weight\":0}]}}"),
            R + ".route.weighted_clusters.clusters: the sum of the weights must be greater than 0"),
        arguments(fwd("{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\",\"weight\":60},{\"name\":\"b\",\"weight\":30}],\"total_weight\":100}}"),
            R + ".route.weighted_clusters.total_weight: is 100 but the cluster weights add up to 90"),
        arguments(fwd("{\"cluster\":\"c\",\"prefix_rewrite\":\"/x\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"a\"},\"substitution\":\"b\"}}"),
            R + ".route.prefix_rewrite: cannot be combined with regex_rewrite"),
        arguments(fwd("{\"cluster\":\"c\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"(a\"},\"substitution\":\"b\"}}"),
            R + ".route.regex_rewrite.pattern.regex: invalid RE2 regex: error parsing regexp: missing closing ): `(a`"),
        arguments(fwd("{\"cluster\":\"c\",\"regex_rewrite\":{\"substitution\":\"b\"}}"), R + ".route.regex_rewrite.pattern: is required"),
        arguments(fwd("{\"cluster\":\"c\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"(a)\"},\"substitution\":\"\\\\2\"}}"),
            R + ".route.regex_rewrite.substitution: references group \\2 but the pattern has 1"),
        arguments(fwd("{\"cluster\":\"c\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"a\"},\"substitution\":\"\\\\n\"}}"),
            R + ".route.regex_rewrite.substitution: invalid escape \\n (expected \\0-\\9 or \\\\)"),
        arguments(fwd("{\"cluster\":\"c\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"a\"},\"substitution\":\"x\\\\\"}}"),
            R + ".route.regex_rewrite.substitution: ends with a lone backslash"),
        arguments(fwd("{\"cluster\":\"c\",\"timeout\":\"-1s\"}"), R + ".route.timeout: must not be negative"),
        arguments(fwd("{\"cluster\":\"c\",\"host_rewrite_literal\":\"\"}"), R + ".route.host_rewrite_literal: must not be empty"),
        arguments(fwd("{\"cluster\":\"c\",\"host_rewrite_header\":\"\"}"), R + ".route.host_rewrite_header: must not be empty"),
        arguments(redirect("{\"port_redirect\":70000}"), R + ".redirect.port_redirect: 70000 is not a port"),
        arguments(redirect("{\"path_redirect\":\"\"}"), R + ".redirect.path_redirect: must not be empty"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":199}}"), R + ".direct_response.status: 199 is not in [200, 600)"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":600}}"), R + ".direct_response.status: 600 is not in [200, 600)"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":200,\"body\":{\"inline_string\":\"" + "x".repeat(4097) + "\"}}}"),
            R + ".direct_response.body: response body size is 4097 bytes; maximum is 4096 (max_direct_response_body_size_bytes)"),
        arguments("{\"max_direct_response_body_size_bytes\":3,\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":["
            + "{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":200,\"body\":{\"inline_string\":\"four\"}}}]}]}",
            "virtual_hosts[0].routes[0].direct_response.body: response body size is 4 bytes; maximum is 3 (max_direct_response_body_size_bytes)"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":200,\"body\":{\"filename\":\"/nonexistent/remora-body\"}}}"),
            R + ".direct_response.body.filename: cannot read /nonexistent/remora-body: /nonexistent/remora-body"),
        arguments(addHeader("{\"header\":{\"key\":\"Host\",\"value\":\"x\"}}"),
            R + ".request_headers_to_add[0].header.key: ':'-prefixed or host headers may not be modified"),
        arguments(addHeader("{\"header\":{\"key\":\":path\",\"value\":\"x\"}}"),
            R + ".request_headers_to_add[0].header.key: ':'-prefixed or host headers may not be modified"),
        arguments(addHeader("{\"header\":{\"key\":\"\",\"value\":\"x\"}}"), R + ".request_headers_to_add[0].header.key: header name must not be empty"),
        arguments(addHeader("{\"append\":true}"), R + ".request_headers_to_add[0].header: is required"),
        arguments(addHeader("{\"header\":{\"key\":\"x\",\"value\":\"v\"},\"append\":true,\"append_action\":\"ADD_IF_ABSENT\"}"),
            R + ".request_headers_to_add[0]: append and append_action are mutually exclusive"),
        arguments(route("{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"},\"response_headers_to_remove\":[\":status\"]}"),
            R + ".response_headers_to_remove[0]: ':'-prefixed or host headers may not be modified"),
        arguments(fwd("{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\",\"weight\":1,\"request_headers_to_add\":[{\"header\":{\"key\":\"host\",\"value\":\"v\"}}]}]}}"),
            R + ".route.weighted_clusters.clusters[0].request_headers_to_add[0].header.key: ':'-prefixed or host headers may not be modified"),
        arguments(vh("\"request_headers_to_remove\":[\"host\"]"),
            "virtual_hosts[0].request_headers_to_remove[0]: ':'-prefixed or host headers may not be modified"),
        arguments(top("\"response_headers_to_add\":[{\"header\":{\"key\":\"x\",\"value\":\"%UPSTREAM_METADATA([\\\"a\\\"])%\"}}]"),
            "response_headers_to_add[0].header.value: %UPSTREAM_METADATA([\"a\"])% not supported by Remora"),
        arguments(addValue("%START_TIME(%s)%"), R + ".request_headers_to_add[0].header.value: %START_TIME(%s)% not supported by Remora"),
        arguments(addValue("%REQ(x"), R + ".request_headers_to_add[0].header.value: unterminated %VARIABLE(...)% in \"%REQ(x\""),
        arguments(addValue("50% off"), R + ".request_headers_to_add[0].header.value: invalid %VARIABLE% in \"50% off\" (write a literal '%' as %%)"),
        arguments(addValue("%HOSTNAME%"), R + ".request_headers_to_add[0].header.value: %HOSTNAME% not supported by Remora"),
        arguments(addValue("50%"), R + ".request_headers_to_add[0].header.value: invalid %VARIABLE% in \"50%\" (write a literal '%' as %%)"),
        arguments(addValue("%REQ()%"), R + ".request_headers_to_add[0].header.value: %REQ()% names no header"),
        arguments(fwd("{\"cluster\":\"c\",\"retry_policy\":{\"retry_on\":\"5xx,envoy-ratelimited\"}}"),
            R + ".route.retry_policy.retry_on: \"envoy-ratelimited\" is not supported by Remora"),
        arguments(fwd("{\"cluster\":\"c\",\"retry_policy\":{\"retry_on\":\"5xx,sometimes\"}}"),
            R + ".route.retry_policy.retry_on: unknown retry_on value \"sometimes\""),
        arguments(fwd("{\"cluster\":\"c\",\"retry_policy\":{\"retry_back_off\":{\"max_interval\":\"1s\"}}}"),
            R + ".route.retry_policy.retry_back_off.base_interval: is required and must be greater than 0"),
        arguments(fwd("{\"cluster\":\"c\",\"retry_policy\":{\"retry_back_off\":{\"base_interval\":\"1s\",\"max_interval\":\"0.5s\"}}}"),
            R + ".route.retry_policy.retry_back_off.max_interval: must be at least base_interval (1000 ms)"),
        arguments(vh("\"retry_policy\":{\"per_try_timeout\":\"-1s\"}"),
            "virtual_hosts[0].retry_policy.per_try_timeout: must not be negative"));
  }

  @ParameterizedTest
  @MethodSource
  void invalid(String json, String message) {
    assertThatThrownBy(() -> Routes.table(json)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void perFilterConfigErrorsPropagateWithTheirPath() {
    String json = "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"},"
        + "\"typed_per_filter_config\":{\"lua\":{\"@type\":\"type.googleapis.com/google.protobuf.StringValue\",\"value\":\"x\"}}}]}]}";
    assertThatThrownBy(() -> RouteTable.compile(Routes.config(json), (filter, any, path) -> {
      throw new ConfigException(path, "filter " + filter + " takes no per-route config");
    })).hasMessage("virtual_hosts[0].routes[0].typed_per_filter_config[lua]: filter lua takes no per-route config");
    assertThatThrownBy(() -> RouteTable.compile(Routes.config(json), (filter, any, path) -> null))
        .hasMessage("virtual_hosts[0].routes[0].typed_per_filter_config[lua]: the filter returned no per-route config");
  }
}
