package dev.remora.proxy.http.route;

import dev.remora.proxy.config.AllowedFields;
import dev.remora.proxy.config.ConfigException;
import dev.remora.proxy.http.filter.StreamInfo;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Locale;

/**
 * The {@code *_headers_to_add} / {@code *_headers_to_remove} of one level (route, virtual host or
 * route configuration) for one direction. Applied as Envoy's HeaderParser does: removals first; then
 * every add's condition is decided against the headers as they were before this level's adds;
 * then overwrites are set, then appends are added.
 */
final class HeaderMutationLevel {
  private static final AllowedFields OPTION_FIELDS = AllowedFields.of(HeaderValueOption.getDescriptor(),
      "header", "append", "append_action", "keep_empty_value");
  private static final AllowedFields VALUE_FIELDS = AllowedFields.of(HeaderValue.getDescriptor(), "key", "value");

  private final String[] removes;
  private final Entry[] adds;

  private static final class Entry {
    final String key;
    final HeaderValueFormat value;
    final HeaderAppendAction action;
    final boolean keepEmpty;

    Entry(String key, HeaderValueFormat value, HeaderAppendAction action, boolean keepEmpty) {
      this.key = key;
      this.value = value;
      this.action = action;
      this.keepEmpty = keepEmpty;
    }

    boolean overwrites() {
      return action == HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD || action == HeaderAppendAction.OVERWRITE_IF_EXISTS;
    }
  }

  private HeaderMutationLevel(String[] removes, Entry[] adds) {
    this.removes = removes;
    this.adds = adds;
  }

  /** Null when the level has nothing to do. */
  static HeaderMutationLevel compile(List<HeaderValueOption> toAdd, String addField, List<String> toRemove,
      String removeField, String path) throws ConfigException {
    if (toAdd.isEmpty() && toRemove.isEmpty()) {
      return null;
    }
    String[] removes = new String[toRemove.size()];
    for (int i = 0; i < removes.length; i++) {
      String p = ProtoFields.join(path, removeField) + "[" + i + "]";
      removes[i] = checkName(toRemove.get(i), p);
    }
    Entry[] adds = new Entry[toAdd.size()];
    for (int i = 0; i < adds.length; i++) {
      adds[i] = compileEntry(toAdd.get(i), ProtoFields.join(path, addField) + "[" + i + "]");
    }
    return new HeaderMutationLevel(removes, adds);
  }

  private static Entry compileEntry(HeaderValueOption o, String path) throws ConfigException {
    OPTION_FIELDS.check(o, path);
    if (!o.hasHeader()) {
      throw new ConfigException(ProtoFields.join(path, "header"), "is required");
    }
    HeaderValue h = o.getHeader();
    String headerPath = ProtoFields.join(path, "header");
    VALUE_FIELDS.check(h, headerPath);
    String key = checkName(h.getKey(), ProtoFields.join(headerPath, "key"));
    HeaderAppendAction action;
    if (o.hasAppend()) {
      if (o.getAppendAction() != HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
        throw new ConfigException(path, "append and append_action are mutually exclusive");
      }
      // the deprecated bool: true appends, false overwrites
      action = o.getAppend().getValue() ? HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD : HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
    } else if (o.getAppendAction() == HeaderAppendAction.UNRECOGNIZED) {
      throw new ConfigException(ProtoFields.join(path, "append_action"), "unknown value " + o.getAppendActionValue());
    } else {
      action = o.getAppendAction();
    }
    HeaderValueFormat value = HeaderValueFormat.compile(h.getValue(), ProtoFields.join(headerPath, "value"));
    return new Entry(key, value, action, o.getKeepEmptyValue());
  }

  private static String checkName(String name, String path) throws ConfigException {
    if (name.isEmpty()) {
      throw new ConfigException(path, "header name must not be empty");
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.charAt(0) == ':' || lower.equals("host")) {
      throw new ConfigException(path, "':'-prefixed or host headers may not be modified");
    }
    return lower;
  }

  void apply(HttpHeaders headers, HttpRequest request, StreamInfo info) {
    for (String name : removes) {
      headers.remove(name);
    }
    if (adds.length == 0) {
      return;
    }
    // conditions are decided before this level changes anything; a bit mask keeps it allocation-free
    boolean[] wide = adds.length > 64 ? new boolean[adds.length] : null;
    long active = 0;
    for (int i = 0; i < adds.length; i++) {
      Entry e = adds[i];
      boolean on;
      switch (e.action) {
        case ADD_IF_ABSENT: on = !headers.contains(e.key); break;
        case OVERWRITE_IF_EXISTS: on = headers.contains(e.key); break;
        default: on = true;
      }
      if (wide != null) {
        wide[i] = on;
      } else if (on) {
        active |= 1L << i;
      }
    }
    for (int pass = 0; pass < 2; pass++) {
      boolean overwritePass = pass == 0;
      for (int i = 0; i < adds.length; i++) {
        Entry e = adds[i];
        boolean on = wide != null ? wide[i] : (active & (1L << i)) != 0;
        if (!on || e.overwrites() != overwritePass) {
          continue;
        }
        String v = e.value.format(request, info);
        if (v.isEmpty() && !e.keepEmpty) {
          continue;
        }
        if (overwritePass) {
          headers.set(e.key, v);
        } else {
          headers.add(e.key, v);
        }
      }
    }
  }
}
