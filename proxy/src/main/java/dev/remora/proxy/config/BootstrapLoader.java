package dev.remora.proxy.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads Envoy v3 configuration from YAML or JSON: the bootstrap file given with {@code -c}, and
 * single resources (xDS filesystem subscriptions). YAML is turned into a JSON tree with Jackson, the
 * tree is checked field by field against the proto descriptors (unknown fields and {@code @type}s
 * are reported with their path and line), then {@link JsonFormat} builds the message, resolving
 * {@code typed_config} through {@link ConfigTypes}.
 *
 * <p>Start-up cost is kept to what the text needs: the tree is read with Jackson's streaming parser
 * ({@link JsonTrees}), only the {@code @type}s the text names are resolved, and the message is built
 * and checked as a {@link DynamicMessage} (descriptors only) before it becomes the generated class
 * through its wire bytes. Building or walking generated messages through protobuf's reflection would
 * initialise the accessor tables of every message type reached, loading the generated class of
 * every field of each (hundreds of classes a bootstrap never sets).
 *
 * <p>{@link #load(Path)} also applies {@link SupportedFields}: a field Remora does not implement is
 * refused rather than ignored. {@link #parseResource} only parses: the caller decides what to check.
 */
public final class BootstrapLoader {
  private static final JsonFactory YAML = new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final JsonFactory JSON = new JsonFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final ConfigTypes types;
  private final SupportedFields supported;

  public BootstrapLoader(ConfigTypes types, SupportedFields supported) {
    this.types = types;
    this.supported = supported;
  }

  /** A loader with Remora's types and allowlist. */
  public static BootstrapLoader defaults() {
    return new BootstrapLoader(ConfigTypes.defaults(), SupportedFields.defaults());
  }

  /** Reads, parses and checks a bootstrap file (.yaml, .yml or .json). */
  public static Bootstrap load(Path file) throws ConfigException {
    return defaults().loadFile(file, null);
  }

  /** Parses YAML or JSON into {@code builder} (merging) and returns it; no allowlist check. */
  public static <B extends Message.Builder> B parseResource(String yamlOrJson, B builder) throws ConfigException {
    return defaults().parse(yamlOrJson, builder, "");
  }

  /**
   * Reads {@code file} (may be null when only {@code configYaml} is given), then merges
   * {@code configYaml} (Envoy's {@code --config-yaml}, may be null) over it with proto merge
   * semantics, and checks the result against the allowlist.
   */
  public Bootstrap loadFile(Path file, String configYaml) throws ConfigException {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(Bootstrap.getDescriptor());
    String origin = "";
    String text = null;
    JsonFactory factory = YAML;
    if (file != null) {
      origin = file.toString();
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ConfigException("", "cannot read " + file + ": " + e, e);
      }
      factory = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json") ? JSON : YAML;
      parse(factory, text, builder, origin);
    }
    if (configYaml != null && !configYaml.isBlank()) {
      DynamicMessage.Builder overlay = DynamicMessage.newBuilder(Bootstrap.getDescriptor());
      parse(YAML, configYaml, overlay, "--config-yaml");
      builder.mergeFrom(overlay.build());
      if (file == null) {
        text = configYaml;
        origin = "--config-yaml";
      } else {
        text = null; // the merged message no longer maps onto one text
      }
    }
    if (file == null && (configYaml == null || configYaml.isBlank())) {
      throw new ConfigException("", "no configuration: give a bootstrap file (-c) or --config-yaml");
    }
    DynamicMessage bootstrap = builder.build();
    try {
      supported.check(bootstrap);
    } catch (ConfigException e) {
      throw withLocation(e, factory, text, origin);
    }
    try {
      return Bootstrap.parseFrom(bootstrap.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", prefix(origin) + "cannot decode the bootstrap: " + e.getMessage(), e);
    }
  }

  /** Parses YAML or JSON text into {@code builder}; {@code origin} names the source in errors. */
  public <B extends Message.Builder> B parse(String yamlOrJson, B builder, String origin) throws ConfigException {
    JsonFactory factory = YAML;
    if (yamlOrJson.stripLeading().startsWith("{")) {
      try {
        JsonTrees.read(JSON, yamlOrJson);
        factory = JSON; // JSON's errors and positions are the precise ones for JSON text
      } catch (IOException notJson) {
        // a YAML flow mapping such as "{name: x}"
      }
    }
    if (builder instanceof DynamicMessage.Builder) {
      parse(factory, yamlOrJson, builder, origin);
      return builder;
    }
    // built dynamically, then read by the generated builder from bytes (see the class comment)
    DynamicMessage.Builder dynamic = DynamicMessage.newBuilder(builder.getDescriptorForType());
    parse(factory, yamlOrJson, dynamic, origin);
    try {
      builder.mergeFrom(dynamic.build().toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", prefix(origin) + "cannot decode " + builder.getDescriptorForType().getFullName()
          + ": " + e.getMessage(), e);
    }
    return builder;
  }

  private void parse(JsonFactory factory, String text, Message.Builder builder, String origin) throws ConfigException {
    JsonNode tree;
    try {
      tree = JsonTrees.read(factory, text);
    } catch (JsonProcessingException e) {
      String at = e.getLocation() == null ? "" : e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr() + ": ";
      throw new ConfigException("", prefix(origin) + at + firstLine(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new ConfigException("", prefix(origin) + firstLine(e.getMessage()), e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      throw new ConfigException("", prefix(origin) + "empty configuration");
    }
    List<Descriptor> named = new ArrayList<>();
    try {
      new JsonFieldChecker(types, named::add).check(tree, builder.getDescriptorForType(), "");
    } catch (ConfigException e) {
      throw withLocation(e, factory, text, origin);
    }
    try {
      JsonFormat.parser().usingTypeRegistry(ConfigTypes.registryOf(named)).merge(JsonTrees.write(tree), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException("", prefix(origin) + firstLine(e.getMessage()), e);
    }
  }

  private static ConfigException withLocation(ConfigException e, JsonFactory factory, String text, String origin) {
    if (text == null) {
      return e;
    }
    String at = SourceLocator.locate(factory, text, e.fieldPath());
    if (at == null) {
      return e;
    }
    String reason = e.getMessage().substring(e.fieldPath().isEmpty() ? 0 : e.fieldPath().length() + 2);
    return new ConfigException(e.fieldPath(), reason + " (" + prefix(origin) + at + ")", e.getCause());
  }

  private static String prefix(String origin) {
    return origin.isEmpty() ? "" : origin + ":";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid configuration";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
