package dev.remora.proxy.http;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Collections;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;

/**
 * An HTTP/1.1 message's header table as parallel arrays in arrival order, for the proxy's own codec.
 * A request or response carries a dozen headers or so: a linear scan over their lengths and cached
 * case-insensitive hashes beats a hash table, and there is no entry object per header. The decoders
 * add names and values as {@link AsciiString} slices of the message's one copied header block, so no
 * {@code String} exists until someone asks for one.
 *
 * <p>Behaves as Netty's {@code DefaultHttpHeaders}: names compare case-insensitively, {@code get}
 * returns the first value, {@code set} replaces every value and moves the header to the end, and
 * names and values set by code are validated with Netty's own checks (a name must be a token, a value
 * must not hold CR, LF or NUL). {@link #addDecoded} skips those checks: the decoder validated the bytes.
 */
public final class FlatHttpHeaders extends HttpHeaders {
  private static final DefaultHeaders.ValueValidator<CharSequence> VALUE_CHECK =
      DefaultHttpHeadersFactory.headersFactory().getValueValidator();

  private CharSequence[] names;
  private CharSequence[] values;
  private int[] hashes;
  private int size;
  /**
   * One bit per entry's hash (its low 6 bits): most lookups (remove of a hop-by-hop header, contains of
   * one the message lacks) are for absent names and end at this test instead of a scan.
   */
  private long present;

  public FlatHttpHeaders() {
    this(16);
  }

  public FlatHttpHeaders(int capacity) {
    capacity = Math.max(capacity, 4);
    names = new CharSequence[capacity];
    values = new CharSequence[capacity];
    hashes = new int[capacity];
  }

  /** Appends a header the decoder has already validated; {@code name} should be an {@link AsciiString}. */
  public void addDecoded(CharSequence name, CharSequence value) {
    append(name, AsciiString.hashCode(name), value);
  }

  private void append(CharSequence name, int hash, CharSequence value) {
    if (size == names.length) {
      int capacity = size * 2;
      names = Arrays.copyOf(names, capacity);
      values = Arrays.copyOf(values, capacity);
      hashes = Arrays.copyOf(hashes, capacity);
    }
    names[size] = name;
    values[size] = value;
    hashes[size] = hash;
    size++;
    present |= 1L << hash;
  }

  private void recomputePresent() {
    long bits = 0;
    for (int i = 0; i < size; i++) {
      bits |= 1L << hashes[i];
    }
    present = bits;
  }

  /** The name of entry {@code i} in arrival order (for encoders walking the table without iterators). */
  public CharSequence nameAt(int i) {
    return names[i];
  }

  /** The value of entry {@code i} in arrival order. */
  public CharSequence valueAt(int i) {
    return values[i];
  }

  private int indexOf(CharSequence name, int from) {
    int hash = AsciiString.hashCode(name);
    if ((present & (1L << hash)) == 0) {
      return -1;
    }
    int length = name.length();
    for (int i = from; i < size; i++) {
      CharSequence n = names[i];
      if (hashes[i] == hash && n.length() == length && (n == name || AsciiString.contentEqualsIgnoreCase(n, name))) {
        return i;
      }
    }
    return -1;
  }

  private static CharSequence checkedName(CharSequence name) {
    if (name == null) {
      throw new NullPointerException("name");
    }
    KnownHeaderNames.validateName(name);
    return name;
  }

  private static CharSequence checkedValue(Object value) {
    if (value == null) {
      throw new NullPointerException("value");
    }
    CharSequence converted;
    if (value instanceof CharSequence cs) {
      converted = cs;
    } else if (value instanceof Date date) {
      converted = DateFormatter.format(date);
    } else if (value instanceof Calendar calendar) {
      converted = DateFormatter.format(calendar.getTime());
    } else {
      converted = value.toString();
    }
    VALUE_CHECK.validate(converted);
    return converted;
  }

  // ---- reads ----

  @Override
  public String get(String name) {
    return get((CharSequence) name);
  }

  @Override
  public String get(CharSequence name) {
    int i = indexOf(name, 0);
    return i < 0 ? null : values[i].toString();
  }

  /** The first value of {@code name} as it is stored (no String made), or null. */
  public CharSequence getCharSequence(CharSequence name) {
    int i = indexOf(name, 0);
    return i < 0 ? null : values[i];
  }

  @Override
  public String get(CharSequence name, String defaultValue) {
    String value = get(name);
    return value == null ? defaultValue : value;
  }

  @Override
  public Integer getInt(CharSequence name) {
    return parsed(name, AsciiString::parseInt, Integer::parseInt);
  }

  @Override
  public int getInt(CharSequence name, int defaultValue) {
    Integer value = getInt(name);
    return value == null ? defaultValue : value;
  }

  @Override
  public Short getShort(CharSequence name) {
    return parsed(name, AsciiString::parseShort, Short::parseShort);
  }

  /** The first value of {@code name} parsed in place when it is stored as bytes; null if absent or not a number. */
  private <T> T parsed(CharSequence name, Function<AsciiString, T> fromAscii,
      Function<String, T> fromString) {
    CharSequence value = getCharSequence(name);
    if (value == null) {
      return null;
    }
    try {
      return value instanceof AsciiString ascii ? fromAscii.apply(ascii) : fromString.apply(value.toString());
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public short getShort(CharSequence name, short defaultValue) {
    Short value = getShort(name);
    return value == null ? defaultValue : value;
  }

  @Override
  public Long getTimeMillis(CharSequence name) {
    CharSequence value = getCharSequence(name);
    if (value == null) {
      return null;
    }
    Date date = DateFormatter.parseHttpDate(value);
    return date == null ? null : date.getTime();
  }

  @Override
  public long getTimeMillis(CharSequence name, long defaultValue) {
    Long value = getTimeMillis(name);
    return value == null ? defaultValue : value;
  }

  @Override
  public List<String> getAll(String name) {
    return getAll((CharSequence) name);
  }

  @Override
  public List<String> getAll(CharSequence name) {
    int i = indexOf(name, 0);
    if (i < 0) {
      return Collections.emptyList();
    }
    List<String> all = new ArrayList<>(4);
    for (; i >= 0; i = indexOf(name, i + 1)) {
      all.add(values[i].toString());
    }
    return all;
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    if (size == 0) {
      return Collections.emptyList();
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      entries.add(new AbstractMap.SimpleImmutableEntry<>(names[i].toString(), values[i].toString()));
    }
    return entries;
  }

  @Override
  public boolean contains(String name) {
    return indexOf(name, 0) >= 0;
  }

  @Override
  public boolean contains(CharSequence name) {
    return indexOf(name, 0) >= 0;
  }

  @Override
  public boolean contains(String name, String value, boolean ignoreCase) {
    return contains((CharSequence) name, value, ignoreCase);
  }

  @Override
  public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
    for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
      if (ignoreCase ? AsciiString.contentEqualsIgnoreCase(values[i], value) : AsciiString.contentEquals(values[i], value)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Iterator<String> valueStringIterator(CharSequence name) {
    Iterator<? extends CharSequence> values = valueCharSequenceIterator(name);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return values.hasNext();
      }

      @Override
      public String next() {
        return values.next().toString();
      }

      @Override
      public void remove() {
        values.remove();
      }
    };
  }

  @Override
  public Iterator<CharSequence> valueCharSequenceIterator(CharSequence name) {
    return new Iterator<>() {
      private int next = indexOf(name, 0);
      private int last = -1;

      @Override
      public boolean hasNext() {
        return next >= 0;
      }

      @Override
      public CharSequence next() {
        if (next < 0) {
          throw new NoSuchElementException();
        }
        last = next;
        next = indexOf(name, next + 1);
        return values[last];
      }

      @Override
      public void remove() {
        if (last < 0) {
          throw new IllegalStateException();
        }
        removeAt(last);
        if (next >= 0) {
          next--;
        }
        last = -1;
      }
    };
  }

  @Override
  public Iterator<Map.Entry<String, String>> iterator() {
    Iterator<Map.Entry<CharSequence, CharSequence>> entries = iteratorCharSequence();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return entries.hasNext();
      }

      @Override
      public Map.Entry<String, String> next() {
        Map.Entry<CharSequence, CharSequence> e = entries.next();
        return new AbstractMap.SimpleImmutableEntry<>(e.getKey().toString(), e.getValue().toString());
      }

      @Override
      public void remove() {
        entries.remove();
      }
    };
  }

  @Override
  public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
    return new Iterator<>() {
      private int next;
      private int last = -1;

      @Override
      public boolean hasNext() {
        return next < size;
      }

      @Override
      public Map.Entry<CharSequence, CharSequence> next() {
        if (next >= size) {
          throw new NoSuchElementException();
        }
        last = next++;
        return new Entry(last);
      }

      @Override
      public void remove() {
        if (last < 0) {
          throw new IllegalStateException();
        }
        removeAt(last);
        next = last;
        last = -1;
      }
    };
  }

  /** An entry whose value can be set in place, as Netty's header entries. */
  private final class Entry implements Map.Entry<CharSequence, CharSequence> {
    private final CharSequence name;
    private CharSequence value;
    private final int index;

    Entry(int index) {
      this.index = index;
      this.name = names[index];
      this.value = values[index];
    }

    @Override
    public CharSequence getKey() {
      return name;
    }

    @Override
    public CharSequence getValue() {
      return value;
    }

    @Override
    public CharSequence setValue(CharSequence newValue) {
      CharSequence checked = checkedValue(newValue);
      CharSequence old = value;
      if (index < size && names[index] == name && values[index] == old) {
        values[index] = checked;
      }
      value = checked;
      return old;
    }

    @Override
    public String toString() {
      return name + "=" + value;
    }
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Set<String> names() {
    Set<String> set = new LinkedHashSet<>(size * 2);
    for (int i = 0; i < size; i++) {
      set.add(names[i].toString());
    }
    return set;
  }

  // ---- writes ----

  @Override
  public HttpHeaders add(String name, Object value) {
    return add((CharSequence) name, value);
  }

  @Override
  public HttpHeaders add(CharSequence name, Object value) {
    checkedName(name);
    append(name, AsciiString.hashCode(name), checkedValue(value));
    return this;
  }

  @Override
  public HttpHeaders add(String name, Iterable<?> values) {
    return add((CharSequence) name, values);
  }

  @Override
  public HttpHeaders add(CharSequence name, Iterable<?> values) {
    checkedName(name);
    int hash = AsciiString.hashCode(name);
    for (Object value : values) {
      if (value == null) {
        break;
      }
      append(name, hash, checkedValue(value));
    }
    return this;
  }

  @Override
  public HttpHeaders add(HttpHeaders headers) {
    if (headers == this) {
      throw new IllegalArgumentException("can't add to itself.");
    }
    addAll(headers);
    return this;
  }

  private void addAll(HttpHeaders headers) {
    if (headers instanceof FlatHttpHeaders flat) {
      for (int i = 0; i < flat.size; i++) {
        append(flat.names[i], flat.hashes[i], flat.values[i]);
      }
    } else {
      Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
      while (it.hasNext()) {
        Map.Entry<CharSequence, CharSequence> e = it.next();
        add(e.getKey(), e.getValue());
      }
    }
  }

  @Override
  public HttpHeaders addInt(CharSequence name, int value) {
    return add(name, Integer.toString(value));
  }

  @Override
  public HttpHeaders addShort(CharSequence name, short value) {
    return add(name, Short.toString(value));
  }

  @Override
  public HttpHeaders set(String name, Object value) {
    return set((CharSequence) name, value);
  }

  @Override
  public HttpHeaders set(CharSequence name, Object value) {
    checkedName(name);
    CharSequence checked = checkedValue(value);
    removeAll(name);
    append(name, AsciiString.hashCode(name), checked);
    return this;
  }

  @Override
  public HttpHeaders set(String name, Iterable<?> values) {
    return set((CharSequence) name, values);
  }

  @Override
  public HttpHeaders set(CharSequence name, Iterable<?> values) {
    checkedName(name);
    removeAll(name);
    return add(name, values);
  }

  @Override
  public HttpHeaders set(HttpHeaders headers) {
    if (headers != this) {
      clear();
      addAll(headers);
    }
    return this;
  }

  @Override
  public HttpHeaders setAll(HttpHeaders headers) {
    if (headers != this) {
      for (String name : headers.names()) {
        removeAll(name);
      }
      addAll(headers);
    }
    return this;
  }

  @Override
  public HttpHeaders setInt(CharSequence name, int value) {
    return set(name, Integer.toString(value));
  }

  @Override
  public HttpHeaders setShort(CharSequence name, short value) {
    return set(name, Short.toString(value));
  }

  @Override
  public HttpHeaders remove(String name) {
    return remove((CharSequence) name);
  }

  @Override
  public HttpHeaders remove(CharSequence name) {
    if (name == null) {
      throw new NullPointerException("name");
    }
    removeAll(name);
    return this;
  }

  private void removeAll(CharSequence name) {
    int i = indexOf(name, 0);
    if (i < 0) {
      return;
    }
    int hash = hashes[i];
    int length = name.length();
    int kept = i;
    for (; i < size; i++) {
      CharSequence n = names[i];
      boolean match = hashes[i] == hash && n.length() == length
          && (n == name || AsciiString.contentEqualsIgnoreCase(n, name));
      if (!match) {
        names[kept] = n;
        values[kept] = values[i];
        hashes[kept] = hashes[i];
        kept++;
      }
    }
    Arrays.fill(names, kept, size, null);
    Arrays.fill(values, kept, size, null);
    size = kept;
    recomputePresent();
  }

  /** Names to remove together ({@link #removeAll(Names)}): their hashes and presence bits, computed once. */
  public static final class Names {
    private final AsciiString[] names;
    private final int[] hashes;
    private final long bits;

    public Names(AsciiString... names) {
      this.names = names.clone();
      this.hashes = new int[names.length];
      long b = 0;
      for (int i = 0; i < names.length; i++) {
        hashes[i] = AsciiString.hashCode(names[i]);
        b |= 1L << hashes[i];
      }
      this.bits = b;
    }

    boolean contains(CharSequence name, int hash) {
      for (int i = 0; i < names.length; i++) {
        if (hashes[i] == hash && (name == names[i] || names[i].contentEqualsIgnoreCase(name))) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Removes every header with one of {@code remove}'s names in one pass over the table, or without
   * looking at it when the presence bits rule them all out (the usual case for hop-by-hop headers).
   */
  public void removeAll(Names remove) {
    if ((present & remove.bits) == 0) {
      return;
    }
    int kept = 0;
    for (int i = 0; i < size; i++) {
      if (!remove.contains(names[i], hashes[i])) {
        names[kept] = names[i];
        values[kept] = values[i];
        hashes[kept] = hashes[i];
        kept++;
      }
    }
    if (kept < size) {
      Arrays.fill(names, kept, size, null);
      Arrays.fill(values, kept, size, null);
      size = kept;
      recomputePresent();
    }
  }

  private void removeAt(int index) {
    int moved = size - index - 1;
    System.arraycopy(names, index + 1, names, index, moved);
    System.arraycopy(values, index + 1, values, index, moved);
    System.arraycopy(hashes, index + 1, hashes, index, moved);
    size--;
    names[size] = null;
    values[size] = null;
    recomputePresent();
  }

  @Override
  public HttpHeaders clear() {
    Arrays.fill(names, 0, size, null);
    Arrays.fill(values, 0, size, null);
    size = 0;
    present = 0;
    return this;
  }

  @Override
  public FlatHttpHeaders copy() {
    FlatHttpHeaders copy = new FlatHttpHeaders(Math.max(size, 4));
    System.arraycopy(names, 0, copy.names, 0, size);
    System.arraycopy(values, 0, copy.values, 0, size);
    System.arraycopy(hashes, 0, copy.hashes, 0, size);
    copy.size = size;
    copy.present = present;
    return copy;
  }
}
