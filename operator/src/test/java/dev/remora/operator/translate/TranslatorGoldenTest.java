package dev.remora.operator.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.GraphBuilder;
import dev.remora.operator.graph.ResourceSet;
import dev.remora.operator.local.ResourceFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden files: each directory under src/test/resources/translate holds input resources in in/
 * and the expected xDS (JsonFormat) and conditions in out/. Run with -Dgolden.update=true to
 * rewrite out/ after an intended change, then review the diff.
 */
class TranslatorGoldenTest {
  private static final Path ROOT = Path.of("src/test/resources/translate");
  private static final boolean UPDATE = Boolean.getBoolean("golden.update");

  @TestFactory
  Stream<DynamicTest> goldenCases() throws IOException {
    List<Path> cases;
    try (Stream<Path> s = Files.list(ROOT)) {
      cases = s.filter(Files::isDirectory).sorted().toList();
    }
    assertThat(cases).isNotEmpty();
    return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
  }

  private void check(Path dir) throws IOException {
    ResourceFiles.Loaded loaded = new ResourceFiles().load(dir.resolve("in"));
    assertThat(loaded.problems()).as("input problems").isEmpty();
    Map<String, String> actual = render(new GraphBuilder().build(loaded.resources()));

    // determinism: shuffled input order gives byte-identical output
    Map<String, String> again = render(new GraphBuilder().build(shuffled(loaded.resources())));
    assertThat(again).isEqualTo(actual);

    Path out = dir.resolve("out");
    if (UPDATE) {
      Files.createDirectories(out);
      for (Map.Entry<String, String> e : actual.entrySet()) {
        Files.writeString(out.resolve(e.getKey()), e.getValue());
      }
    }
    for (Map.Entry<String, String> e : actual.entrySet()) {
      Path expected = out.resolve(e.getKey());
      assertThat(expected).as("golden file (run with -Dgolden.update=true to create)").exists();
      assertThat(e.getValue()).as(expected.toString()).isEqualTo(Files.readString(expected));
    }
  }

  static Map<String, String> render(Graph graph) throws IOException {
    XdsResources r = new XdsTranslator().translateAll(graph);
    Map<String, String> files = new TreeMap<>();
    files.put("listeners.json", XdsJson.printAll(r.listeners()));
    files.put("routes.json", XdsJson.printAll(r.routes()));
    files.put("clusters.json", XdsJson.printAll(r.clusters()));
    files.put("endpoints.json", XdsJson.printAll(r.endpoints()));
    files.put("secrets.json", XdsJson.printAll(r.secrets()));
    Map<String, Object> conditions = new TreeMap<>();
    graph.conditions().forEach((ref, cs) -> conditions.put(ref.toString(), cs));
    files.put("conditions.json", new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsString(conditions) + "\n");
    return files;
  }

  private static ResourceSet shuffled(ResourceSet in) {
    Random random = new Random(42);
    return new ResourceSet(shuffle(in.listeners(), random), shuffle(in.clusters(), random),
        shuffle(in.routes(), random), shuffle(in.luaFilters(), random), shuffle(in.services(), random),
        shuffle(in.endpointSlices(), random), shuffle(in.configMaps(), random), shuffle(in.secrets(), random));
  }

  private static <T> List<T> shuffle(List<T> l, Random random) {
    List<T> copy = new ArrayList<>(l);
    Collections.shuffle(copy, random);
    return copy;
  }
}
