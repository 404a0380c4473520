package dev.remora.operator.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.remora.operator.api.Condition;
import dev.remora.operator.graph.Graph;
import dev.remora.operator.graph.GraphBuilder;
import dev.remora.operator.graph.ObjectRef;
import dev.remora.operator.graph.ResourceSet;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The examples in crds/examples are accepted by the operator's own validation (local mode) and
 * each one in crds/examples/invalid is refused by it. (The API server's schema and CEL rules are
 * the first line in cluster mode; this checks the operator does not rely on them.)
 */
class CrdExamplesTest {
  private static final Path EXAMPLES = Path.of("../crds/examples");

  private static List<HasMetadata> parse(Path file, List<ResourceFiles.Problem> problems) throws Exception {
    return new ResourceFiles().parse(file.getFileName().toString(), Files.readString(file), problems);
  }

  private static List<HasMetadata> validExamples() throws Exception {
    List<HasMetadata> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      for (Path p : s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        List<ResourceFiles.Problem> problems = new ArrayList<>();
        out.addAll(parse(p, problems));
        assertThat(problems).as(p.toString()).isEmpty();
      }
    }
    return out;
  }

  @Test
  void validExamplesAreAccepted() throws Exception {
    ResourceSet.Builder b = ResourceSet.builder();
    List<HasMetadata> objects = validExamples();
    objects.forEach(b::add);
    assertThat(objects).hasSizeGreaterThanOrEqualTo(6);
    Graph g = new GraphBuilder().build(b.build());
    for (HasMetadata o : objects) {
      if (o.getApiVersion().startsWith("remora.dev/")) {
        assertThat(g.conditions().get(ObjectRef.of(o))).as(ObjectRef.of(o).toString()).allMatch(Condition::isTrue);
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> invalidExamplesAreRefused() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(EXAMPLES.resolve("invalid"))) {
      files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    List<HasMetadata> valid = validExamples();
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      List<ResourceFiles.Problem> problems = new ArrayList<>();
      List<HasMetadata> bad = parse(f, problems);
      if (!problems.isEmpty()) {
        return; // refused while reading (unknown enum value, wrong type)
      }
      assertThat(bad).hasSize(1);
      ResourceSet.Builder b = ResourceSet.builder();
      valid.forEach(b::add);
      b.add(bad.get(0));
      Condition accepted = new GraphBuilder().build(b.build()).conditions().get(ObjectRef.of(bad.get(0))).get(0);
      assertThat(accepted.type).isEqualTo("Accepted");
      assertThat(accepted.status).as(accepted.toString()).isEqualTo("False");
    }));
  }
}
