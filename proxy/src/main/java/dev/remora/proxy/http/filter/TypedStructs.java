package dev.remora.proxy.http.filter;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.config.ConfigException;

/** Reading {@code xds.type.v3.TypedStruct} (and the older {@code udpa.type.v1.TypedStruct}) configs. */
public final class TypedStructs {
  static final String XDS = "xds.type.v3.TypedStruct";
  static final String UDPA = "udpa.type.v1.TypedStruct";

  private TypedStructs() {
  }

  static String typeName(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }

  static boolean isTypedStruct(String typeName) {
    return typeName.equals(XDS) || typeName.equals(UDPA);
  }

  /** The {@code type_url} inside a TypedStruct, or null when {@code any} is not one. */
  static String innerTypeUrl(Any any) {
    try {
      String type = typeName(any.getTypeUrl());
      if (type.equals(XDS)) {
        return Anys.unpack(any, com.github.xds.type.v3.TypedStruct.getDescriptor(), com.github.xds.type.v3.TypedStruct.parser()).getTypeUrl();
      }
      if (type.equals(UDPA)) {
        return Anys.unpack(any, com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor(),
            com.github.udpa.udpa.type.v1.TypedStruct.parser()).getTypeUrl();
      }
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
    return null;
  }

  /** The settings of a TypedStruct config. */
  public static Struct value(Any any) throws ConfigException {
    try {
      String type = typeName(any.getTypeUrl());
      if (type.equals(XDS)) {
        return Anys.unpack(any, com.github.xds.type.v3.TypedStruct.getDescriptor(), com.github.xds.type.v3.TypedStruct.parser()).getValue();
      }
      if (type.equals(UDPA)) {
        return Anys.unpack(any, com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor(),
            com.github.udpa.udpa.type.v1.TypedStruct.parser()).getValue();
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", "not a readable TypedStruct: " + e.getMessage());
    }
    throw new ConfigException("", "expected an " + XDS + ", got " + type(any));
  }

  private static String type(Any any) {
    return typeName(any.getTypeUrl());
  }
}
