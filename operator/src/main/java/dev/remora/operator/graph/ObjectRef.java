package dev.remora.operator.graph;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Comparator;

/** Kind, namespace and name of an object: the key for conditions and for xDS resource names. */
public record ObjectRef(String kind, String namespace, String name) implements Comparable<ObjectRef> {
  private static final Comparator<ObjectRef> ORDER = Comparator.comparing(ObjectRef::kind)
      .thenComparing(ObjectRef::namespace).thenComparing(ObjectRef::name);

  public static ObjectRef of(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return new ObjectRef(o.getKind(), ns == null ? "default" : ns, o.getMetadata().getName());
  }

  /** {@code namespace/name}: the name used for the xDS resources made from this object. */
  public String qualifiedName() {
    return namespace + "/" + name;
  }

  @Override
  public int compareTo(ObjectRef o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
