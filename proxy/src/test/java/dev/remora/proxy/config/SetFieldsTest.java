package dev.remora.proxy.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.WrappersProto;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link SetFields} and {@link AllowedFields} read set fields from a message's encoding; reflection
 * ({@code hasField}, {@code getRepeatedFieldCount}, {@code getAllFields}) is the reference here. Messages
 * are filled at random, default values included (a proto3 scalar set to its default is not set), over
 * envoy types and a proto3 type built here with what they lack: explicit-presence {@code optional}
 * scalars, maps of scalars, -0.0.
 */
class SetFieldsTest {
  private static final Descriptor PLAIN = plainProto3();

  @Test
  void setFieldsAreWhatReflectionCallsSet() throws Exception {
    List<Descriptor> types = List.of(PLAIN, RouteAction.getDescriptor(), RouteMatch.getDescriptor(),
        HeaderMatcher.getDescriptor(), Route.getDescriptor(), Cluster.getDescriptor(),
        HttpConnectionManager.getDescriptor());
    for (Descriptor type : types) {
      for (int seed = 0; seed < 300; seed++) {
        Random random = new Random(seed * 31L + type.getFullName().hashCode());
        for (Message m : variants(type, random)) {
          assertArrayEquals(byReflection(m), SetFields.of(m), type.getFullName() + ", seed " + seed + ": " + m);
        }
      }
    }
  }

  @Test
  void defaultsAndPresence() throws Exception {
    // implicit presence: a default value is not set; explicit presence and oneof members are, even at their default
    FieldDescriptor implicitInt = PLAIN.findFieldByName("i");
    FieldDescriptor optionalInt = PLAIN.findFieldByName("opt_i");
    FieldDescriptor oneofString = PLAIN.findFieldByName("one_s");
    FieldDescriptor negativeZero = PLAIN.findFieldByName("d");
    DynamicMessage m = DynamicMessage.newBuilder(PLAIN).setField(implicitInt, 0).setField(optionalInt, 0)
        .setField(oneofString, "").setField(negativeZero, -0.0).build();
    assertArrayEquals(new int[] {negativeZero.getNumber(), oneofString.getNumber(), optionalInt.getNumber()},
        SetFields.of(m));
    assertArrayEquals(byReflection(m), SetFields.of(m));
    assertArrayEquals(new int[0], SetFields.of(DynamicMessage.getDefaultInstance(PLAIN)));
    // an empty sub-message is set
    RouteAction emptyTimeout = RouteAction.newBuilder().setTimeout(com.google.protobuf.Duration.getDefaultInstance()).build();
    assertArrayEquals(new int[] {RouteAction.TIMEOUT_FIELD_NUMBER}, SetFields.of(emptyTimeout));
  }

  @Test
  void allowedFieldsRefuseTheLowestNumberedSetFieldAsGetAllFieldsOrders() throws Exception {
    AllowedFields allowed = AllowedFields.of(RouteAction.getDescriptor(), "cluster", "timeout", "retry_policy");
    for (int seed = 0; seed < 500; seed++) {
      Random random = new Random(seed);
      RouteAction.Builder b = RouteAction.newBuilder();
      fill(b, random, 0);
      RouteAction action = b.build();
      FieldDescriptor expected = null;
      for (FieldDescriptor f : action.getAllFields().keySet()) {  // in field-number order
        if (!Set.of("cluster", "timeout", "retry_policy").contains(f.getName())) {
          expected = f;
          break;
        }
      }
      assertEquals(expected, allowed.firstRefused(action), "seed " + seed + ": " + action);
      if (expected == null) {
        allowed.check(action, "routes[0].route");
      } else {
        ConfigException e = assertThrows(ConfigException.class, () -> allowed.check(action, "routes[0].route"));
        assertEquals("routes[0].route." + expected.getName(), e.fieldPath());
        assertEquals(ConfigException.notSupported("routes[0].route." + expected.getName()).getMessage(), e.getMessage());
      }
    }
  }

  @Test
  void allowedFieldsAtTheTopLevelNameTheFieldAlone() {
    AllowedFields none = AllowedFields.of(RouteAction.getDescriptor());
    ConfigException e = assertThrows(ConfigException.class,
        () -> none.check(RouteAction.newBuilder().setPriorityValue(1).setCluster("c").build(), ""));
    assertEquals("cluster", e.fieldPath());  // cluster is field 1, priority 11
  }

  @Test
  void unknownFieldsAreNotRefused() throws Exception {
    AllowedFields allowed = AllowedFields.of(RouteAction.getDescriptor(), "cluster");
    RouteAction withUnknown = RouteAction.newBuilder().setCluster("c")
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(4999, UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build())
        .build();
    assertNull(allowed.firstRefused(withUnknown));
    assertArrayEquals(new int[] {1, 4999}, SetFields.of(withUnknown));
  }

  @Test
  void aNameTheTypeDoesNotHaveIsAProgrammingError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AllowedFields.of(RouteAction.getDescriptor(), "cluster", "clsuter"));
    assertTrue(e.getMessage().contains("clsuter"), e.getMessage());
  }

  @Test
  void anysUnpackAndRefuseAsAnyDoes() throws Exception {
    Route route = Route.newBuilder().setName("r").build();
    List<String> urls = List.of("type.googleapis.com/envoy.config.route.v3.Route", "example.com/a/b/envoy.config.route.v3.Route",
        "envoy.config.route.v3.Route", "/envoy.config.route.v3.Route", "type.googleapis.com/envoy.config.route.v3.RouteX",
        "type.googleapis.com/xenvoy.config.route.v3.Route", "type.googleapis.com/envoy.config.route.v3.Rout", "", "/");
    for (String url : urls) {
      Any any = Any.newBuilder().setTypeUrl(url).setValue(route.toByteString()).build();
      assertEquals(any.is(Route.class), Anys.is(any, Route.getDescriptor()), url);
      if (any.is(Route.class)) {
        assertEquals(any.unpack(Route.class), Anys.unpack(any, Route.getDescriptor(), Route.parser()), url);
      } else {
        InvalidProtocolBufferException theirs = assertThrows(InvalidProtocolBufferException.class, () -> any.unpack(Route.class));
        InvalidProtocolBufferException ours = assertThrows(InvalidProtocolBufferException.class,
            () -> Anys.unpack(any, Route.getDescriptor(), Route.parser()));
        assertEquals(theirs.getMessage(), ours.getMessage(), url);
      }
    }
    assertEquals(Any.pack(route), Anys.pack(route, Route.getDescriptor()));
  }

  // ---- reference and random messages

  private static int[] byReflection(Message m) {
    List<Integer> numbers = new ArrayList<>();
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.isRepeated() ? m.getRepeatedFieldCount(f) > 0 : m.hasField(f)) {
        numbers.add(f.getNumber());
      }
    }
    for (int n : m.getUnknownFields().asMap().keySet()) {
      numbers.add(n);
    }
    return numbers.stream().sorted().distinct().mapToInt(Integer::intValue).toArray();
  }

  /** A random message of {@code type}, dynamic and (for a generated type) generated. */
  private static List<Message> variants(Descriptor type, Random random) throws InvalidProtocolBufferException {
    DynamicMessage.Builder dynamic = DynamicMessage.newBuilder(type);
    fill(dynamic, random, 0);
    DynamicMessage d = dynamic.build();
    if (type == PLAIN) {
      return List.of(d);
    }
    Message prototype = type == RouteAction.getDescriptor() ? RouteAction.getDefaultInstance()
        : type == RouteMatch.getDescriptor() ? RouteMatch.getDefaultInstance()
        : type == HeaderMatcher.getDescriptor() ? HeaderMatcher.getDefaultInstance()
        : type == Route.getDescriptor() ? Route.getDefaultInstance()
        : type == Cluster.getDescriptor() ? Cluster.getDefaultInstance()
        : HttpConnectionManager.getDefaultInstance();
    Message.Builder generated = prototype.newBuilderForType();
    fill(generated, random, 0);
    return List.of(d, generated.build(), prototype.getParserForType().parseFrom(d.toByteString()));
  }

  private static void fill(Message.Builder b, Random random, int depth) {
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (random.nextInt(depth == 0 ? 3 : 5) != 0) {
        continue;
      }
      if (f.isRepeated()) {
        int n = random.nextInt(3);
        for (int i = 0; i < n; i++) {
          b.addRepeatedField(f, value(b, f, random, depth));
        }
      } else {
        b.setField(f, value(b, f, random, depth));
      }
    }
  }

  private static Object value(Message.Builder b, FieldDescriptor f, Random random, int depth) {
    switch (f.getJavaType()) {
      case INT: return random.nextBoolean() ? 0 : random.nextInt(1000) - 500;
      case LONG: return random.nextBoolean() ? 0L : random.nextLong();
      case FLOAT: return new float[] {0f, -0f, 1.5f}[random.nextInt(3)];
      case DOUBLE: return new double[] {0d, -0d, 2.5d}[random.nextInt(3)];
      case BOOLEAN: return random.nextBoolean();
      case STRING: return random.nextBoolean() ? "" : "s" + random.nextInt(10);
      case BYTE_STRING: return random.nextBoolean() ? ByteString.EMPTY : ByteString.copyFromUtf8("b" + random.nextInt(10));
      case ENUM: {
        var values = f.getEnumType().getValues();
        return values.get(random.nextInt(values.size()));
      }
      case MESSAGE: {
        Message.Builder sub = b.newBuilderForField(f);
        if (f.isMapField() || (depth < 3 && random.nextBoolean())) {
          fill(sub, random, depth + 1);
        }
        return sub.build();
      }
      default: throw new AssertionError(f.getJavaType());
    }
  }

  /**
   * proto3: implicit scalars of each kind, {@code optional} (explicit presence, a synthetic oneof),
   * a real oneof, a message, a wrapper, repeated scalars (packed) and strings, a map.
   */
  private static Descriptor plainProto3() {
    DescriptorProto.Builder m = DescriptorProto.newBuilder().setName("Plain");
    int n = 1;
    for (Type t : new Type[] {Type.TYPE_INT32, Type.TYPE_INT64, Type.TYPE_UINT32, Type.TYPE_SINT64, Type.TYPE_FIXED32,
        Type.TYPE_BOOL, Type.TYPE_FLOAT, Type.TYPE_STRING, Type.TYPE_BYTES}) {
      m.addField(field(t.name().substring(5).toLowerCase() + "_v", n++, t, Label.LABEL_OPTIONAL));
    }
    m.addField(field("i", n++, Type.TYPE_INT32, Label.LABEL_OPTIONAL));
    m.addField(field("d", n++, Type.TYPE_DOUBLE, Label.LABEL_OPTIONAL));
    m.addOneofDecl(OneofDescriptorProto.newBuilder().setName("choice"));
    m.addField(field("one_i", n++, Type.TYPE_INT32, Label.LABEL_OPTIONAL).setOneofIndex(0));
    m.addField(field("one_s", n++, Type.TYPE_STRING, Label.LABEL_OPTIONAL).setOneofIndex(0));
    m.addField(field("one_m", n++, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL).setTypeName(".google.protobuf.UInt32Value")
        .setOneofIndex(0));
    for (String name : new String[] {"opt_i", "opt_s", "opt_d"}) {
      m.addOneofDecl(OneofDescriptorProto.newBuilder().setName("_" + name));
      Type t = name.endsWith("i") ? Type.TYPE_INT32 : name.endsWith("s") ? Type.TYPE_STRING : Type.TYPE_DOUBLE;
      m.addField(field(name, n++, t, Label.LABEL_OPTIONAL).setProto3Optional(true).setOneofIndex(m.getOneofDeclCount() - 1));
    }
    m.addField(field("child", n++, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL).setTypeName(".test.Plain"));
    m.addField(field("wrapped", n++, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL).setTypeName(".google.protobuf.UInt32Value"));
    m.addField(field("numbers", n++, Type.TYPE_INT32, Label.LABEL_REPEATED));
    m.addField(field("names", n++, Type.TYPE_STRING, Label.LABEL_REPEATED));
    m.addField(field("children", n++, Type.TYPE_MESSAGE, Label.LABEL_REPEATED).setTypeName(".test.Plain"));
    m.addNestedType(DescriptorProto.newBuilder().setName("CountsEntry")
        .setOptions(MessageOptions.newBuilder().setMapEntry(true))
        .addField(field("key", 1, Type.TYPE_STRING, Label.LABEL_OPTIONAL))
        .addField(field("value", 2, Type.TYPE_INT64, Label.LABEL_OPTIONAL)));
    m.addField(field("counts", n++, Type.TYPE_MESSAGE, Label.LABEL_REPEATED).setTypeName(".test.Plain.CountsEntry"));
    FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("test/plain.proto").setPackage("test")
        .setSyntax("proto3").addDependency("google/protobuf/wrappers.proto").addMessageType(m).build();
    try {
      return FileDescriptor.buildFrom(file, new FileDescriptor[] {WrappersProto.getDescriptor()}).findMessageTypeByName("Plain");
    } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
      throw new AssertionError(e);
    }
  }

  private static FieldDescriptorProto.Builder field(String name, int number, Type type, Label label) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type).setLabel(label);
  }

  static {
    UInt32Value.getDescriptor();  // the wrapper's file is loaded before the test type is built on it
  }
}
