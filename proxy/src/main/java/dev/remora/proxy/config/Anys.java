package dev.remora.proxy.config;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;

/**
 * Unpacks {@code Any} values by a message type's static descriptor and parser. {@code Any.unpack(Class)}
 * and {@code Any.is(Class)} ask the message for {@code getDescriptorForType()}, which on the envoy API's
 * generated classes builds the type's reflection accessors and loads the class of every field type
 * (hundreds of classes for a config that sets a few fields; see docs/benchmarks.md, "Start-up without
 * protobuf reflection"); {@code Any.pack} asks it too. Call as
 * {@code Anys.unpack(any, Cluster.getDescriptor(), Cluster.parser())}.
 */
public final class Anys {
  private Anys() {}

  /**
   * Whether {@code any} holds a message of {@code type}: the part of its type URL after the last '/'
   * (a URL without '/' names no type), as {@code Any.is} decides.
   */
  public static boolean is(Any any, Descriptor type) {
    String url = any.getTypeUrl();
    String name = type.getFullName();
    int slash = url.lastIndexOf('/');
    return slash >= 0 && url.length() - slash - 1 == name.length() && url.startsWith(name, slash + 1);
  }

  /** {@code message}, of {@code type}, packed as {@code Any.pack} packs it. */
  public static Any pack(MessageLite message, Descriptor type) {
    return Any.newBuilder().setTypeUrl("type.googleapis.com/" + type.getFullName()).setValue(message.toByteString()).build();
  }

  /**
   * The message in {@code any}, refused as {@code Any.unpack} refuses it when the type URL names
   * another type.
   */
  public static <T extends MessageLite> T unpack(Any any, Descriptor type, Parser<T> parser)
      throws InvalidProtocolBufferException {
    if (!is(any, type)) {
      throw new InvalidProtocolBufferException("Type of the Any message does not match the given class.");
    }
    return parser.parseFrom(any.getValue());
  }
}
