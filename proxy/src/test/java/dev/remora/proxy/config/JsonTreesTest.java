package dev.remora.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The streaming tree reader/writer gives the trees and JSON that {@code ObjectMapper} gives. */
class JsonTreesTest {
  private static final JsonFactory YAML = new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final JsonFactory JSON = new JsonFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  @Test
  void yamlScalarsBecomeTheNodesObjectMapperMakes() throws IOException {
    String yaml = """
        i: 42
        l: 9000000000
        big: 18446744073709551615
        d: 0.25
        t: true
        f: false
        n: null
        s: "42"
        dur: 0.25s
        list: [1, two, {three: 3}]
        empty: {}
        """;
    JsonNode ours = JsonTrees.read(YAML, yaml);
    JsonNode mapper = new ObjectMapper(new YAMLFactory()).readTree(yaml);

    assertThat(ours).isEqualTo(mapper);
    assertThat(JsonTrees.write(ours)).isEqualTo(new ObjectMapper().writeValueAsString(mapper));
    assertThat(ours.get("big").isIntegralNumber()).isTrue();
    assertThat(ours.get("s").isTextual()).isTrue();
  }

  @Test
  void jsonRoundTripsWithEscapesAndNumbers() throws IOException {
    String json = "{\"a\":\"x\\\"y\\n\",\"b\":[-1,2.5,1.0E10],\"c\":{\"d\":null,\"e\":false}}";
    JsonNode tree = JsonTrees.read(JSON, json);
    assertThat(JsonTrees.write(tree)).isEqualTo(new ObjectMapper().writeValueAsString(new ObjectMapper().readTree(json)));
  }

  @Test
  void emptyTextIsNoTreeAndDuplicateKeysAreRefused() throws IOException {
    assertThat(JsonTrees.read(YAML, "")).isNull();
    assertThatThrownBy(() -> JsonTrees.read(YAML, "a: 1\na: 2\n")).hasMessageContaining("Duplicate field 'a'");
    assertThatThrownBy(() -> JsonTrees.read(JSON, "{\"a\":1,\"a\":2}")).hasMessageContaining("Duplicate field 'a'");
  }
}
