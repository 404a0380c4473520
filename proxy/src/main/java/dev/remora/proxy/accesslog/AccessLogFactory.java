package dev.remora.proxy.accesslog;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.remora.proxy.config.Anys;
import dev.remora.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Compiles {@code access_log} entries (of a connection manager, a tcp_proxy or a listener) into an
 * {@link AccessLogger}, once per config version. Supported: the file logger
 * ({@code envoy.extensions.access_loggers.file.v3.FileAccessLog}: {@code path} with {@code format},
 * {@code json_format}, {@code typed_json_format} or {@code log_format}) and the stdout/stderr loggers;
 * filters {@code status_code_filter}, {@code duration_filter}, {@code response_flag_filter},
 * {@code and_filter}, {@code or_filter}. Anything else is refused with its field path.
 */
public final class AccessLogFactory {
  static final String FILE_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";
  static final String STDOUT_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
  static final String STDERR_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog";

  private final AccessLogManager manager;

  public AccessLogFactory(AccessLogManager manager) {
    this.manager = manager;
  }

  /**
   * Compiles a repeated {@code access_log} field; {@code fieldPath} names it, e.g.
   * {@code static_resources.listeners[0].filter_chains[0].filters[0].typed_config.access_log}.
   */
  public AccessLogger createAll(List<AccessLog> configs, String fieldPath) throws ConfigException {
    List<AccessLogger> loggers = new ArrayList<>(configs.size());
    for (int i = 0; i < configs.size(); i++) {
      loggers.add(create(configs.get(i), fieldPath + "[" + i + "]"));
    }
    return AccessLogger.of(loggers);
  }

  public AccessLogger create(AccessLog config, String fieldPath) throws ConfigException {
    Predicate<LogEntry> filter = config.hasFilter()
        ? AccessLogFilters.compile(config.getFilter(), fieldPath + ".filter") : null;
    if (!config.hasTypedConfig()) {
      throw new ConfigException(fieldPath + ".typed_config", "an access log needs a typed_config");
    }
    Any any = config.getTypedConfig();
    String path = fieldPath + ".typed_config";
    switch (any.getTypeUrl()) {
      case FILE_TYPE -> {
        FileAccessLog file = unpack(any, FileAccessLog.getDescriptor(), FileAccessLog.parser(), path);
        if (file.getPath().isEmpty()) {
          throw new ConfigException(path + ".path", "must not be empty");
        }
        LogFormat format = fileFormat(file, path);
        LogSink sink;
        try {
          sink = manager.file(file.getPath());
        } catch (IOException | RuntimeException e) {
          throw new ConfigException(path + ".path", "cannot open " + file.getPath() + " for appending: " + e.getMessage());
        }
        return new FormattedAccessLogger(filter, format, sink);
      }
      case STDOUT_TYPE -> {
        StdoutAccessLog out = unpack(any, StdoutAccessLog.getDescriptor(), StdoutAccessLog.parser(), path);
        LogFormat format = out.hasLogFormat() ? substitution(out.getLogFormat(), path + ".log_format") : defaultFormat(path);
        return new FormattedAccessLogger(filter, format, manager.stdout());
      }
      case STDERR_TYPE -> {
        StderrAccessLog err = unpack(any, StderrAccessLog.getDescriptor(), StderrAccessLog.parser(), path);
        LogFormat format = err.hasLogFormat() ? substitution(err.getLogFormat(), path + ".log_format") : defaultFormat(path);
        return new FormattedAccessLogger(filter, format, manager.stderr());
      }
      default -> throw new ConfigException(path, "access logger " + any.getTypeUrl() + " not supported");
    }
  }

  private static LogFormat fileFormat(FileAccessLog file, String path) throws ConfigException {
    return switch (file.getAccessLogFormatCase()) {
      case FORMAT -> file.getFormat().isEmpty() ? defaultFormat(path)
          : TextLogFormat.compile(file.getFormat(), false, path + ".format");
      case JSON_FORMAT -> JsonLogFormat.compile(file.getJsonFormat(), false, false, path + ".json_format");
      case TYPED_JSON_FORMAT -> JsonLogFormat.compile(file.getTypedJsonFormat(), false, false, path + ".typed_json_format");
      case LOG_FORMAT -> substitution(file.getLogFormat(), path + ".log_format");
      default -> defaultFormat(path);
    };
  }

  private static LogFormat defaultFormat(String path) throws ConfigException {
    return TextLogFormat.compile(TextLogFormat.ENVOY_DEFAULT, false, path);
  }

  /** A {@code SubstitutionFormatString}. */
  static LogFormat substitution(SubstitutionFormatString f, String path) throws ConfigException {
    if (f.getFormattersCount() > 0) {
      throw ConfigException.notSupported(path + ".formatters");
    }
    boolean omit = f.getOmitEmptyValues();
    return switch (f.getFormatCase()) {
      case TEXT_FORMAT -> TextLogFormat.compile(f.getTextFormat(), omit, path + ".text_format");
      case TEXT_FORMAT_SOURCE -> TextLogFormat.compile(dataSource(f.getTextFormatSource(), path + ".text_format_source"),
          omit, path + ".text_format_source");
      case JSON_FORMAT -> JsonLogFormat.compile(f.getJsonFormat(), omit,
          f.hasJsonFormatOptions() && f.getJsonFormatOptions().getSortProperties(), path + ".json_format");
      default -> TextLogFormat.compile(TextLogFormat.ENVOY_DEFAULT, omit, path);
    };
  }

  private static String dataSource(DataSource ds, String path) throws ConfigException {
    return switch (ds.getSpecifierCase()) {
      case INLINE_STRING -> ds.getInlineString();
      case INLINE_BYTES -> ds.getInlineBytes().toStringUtf8();
      case FILENAME -> {
        try {
          yield Files.readString(Path.of(ds.getFilename()), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new ConfigException(path + ".filename", "cannot read " + ds.getFilename() + ": " + e.getMessage());
        }
      }
      case ENVIRONMENT_VARIABLE -> {
        String v = System.getenv(ds.getEnvironmentVariable());
        if (v == null) {
          throw new ConfigException(path + ".environment_variable", "variable " + ds.getEnvironmentVariable() + " is not set");
        }
        yield v;
      }
      default -> throw new ConfigException(path, "must set inline_string, inline_bytes, filename or environment_variable");
    };
  }

  private static <T extends Message> T unpack(Any any, Descriptor type, Parser<T> parser, String path)
      throws ConfigException {
    try {
      return Anys.unpack(any, type, parser);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "cannot decode " + any.getTypeUrl() + ": " + e.getMessage());
    }
  }
}
