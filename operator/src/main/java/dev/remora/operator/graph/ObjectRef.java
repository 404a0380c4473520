package dev.remora.operator.graph;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Kind, namespace and name of an object: the key for conditions and for xDS resource names. */
public record ObjectRef(String kind, String namespace, String name) implements Comparable<ObjectRef> {

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
    // kind, then namespace, then name; spelled out because graph maps compare refs a lot
    int c = kind.compareTo(o.kind);
    if (c == 0) {
      c = namespace.compareTo(o.namespace);
    }
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
