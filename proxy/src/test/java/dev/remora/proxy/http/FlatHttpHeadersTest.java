package dev.remora.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FlatHttpHeadersTest {
  private static final List<CharSequence> NAMES = List.of("Host", "host", "HOST", HttpHeaderNames.CONTENT_LENGTH,
      "Content-Length", "x-a", "X-A", new AsciiString("x-b"), "x-c", "Set-Cookie", "set-cookie");
  private static final List<CharSequence> VALUES = List.of("v1", "V1", "a, b", "", "42", new AsciiString("x y"),
      "chunked", "Chunked", "gzip, chunked", "keep-alive");
  private static final AsciiString[] REMOVED_TOGETHER = {new AsciiString("host"), HttpHeaderNames.CONTENT_LENGTH,
      new AsciiString("x-a")};

  /** Random operations on both tables; after each, every read answers as Netty's DefaultHttpHeaders. */
  @Test
  void answersAsNettysDefaultHeadersOverRandomOperations() {
    for (long seed = 0; seed < 100; seed++) {
      Random random = new Random(seed);
      FlatHttpHeaders flat = new FlatHttpHeaders(4);
      DefaultHttpHeaders netty = new DefaultHttpHeaders();
      for (int step = 0; step < 60; step++) {
        CharSequence name = pick(random, NAMES);
        CharSequence value = pick(random, VALUES);
        String op;
        switch (random.nextInt(13)) {
          case 0, 1, 2 -> { op = "add"; flat.add(name, value); netty.add(name, value); }
          case 3 -> { op = "set"; flat.set(name, value); netty.set(name, value); }
          case 4 -> { op = "remove"; flat.remove(name); netty.remove(name); }
          case 5 -> { op = "addInt"; flat.addInt(name, step); netty.addInt(name, step); }
          case 6 -> { op = "setInt"; flat.setInt(name, step); netty.setInt(name, step); }
          case 7 -> {
            op = "addIterable";
            List<CharSequence> values = List.of(value, pick(random, VALUES));
            flat.add(name, values);
            netty.add(name, values);
          }
          case 8 -> {
            op = "setIterable";
            List<CharSequence> values = List.of(value, pick(random, VALUES));
            flat.set(name, values);
            netty.set(name, values);
          }
          case 9 -> {
            // Netty's entry iterator is read-only; removing through ours must equal removing one value
            op = "iteratorRemove";
            List<String> rest = netty.getAll(name);
            if (!rest.isEmpty()) {
              removeFirstNamed(flat.iteratorCharSequence(), name);
              List<Map.Entry<String, String>> kept = new ArrayList<>(netty.entries());
              for (int k = 0; k < kept.size(); k++) {
                if (kept.get(k).getKey().equalsIgnoreCase(name.toString())) {
                  kept.remove(k);
                  break;
                }
              }
              netty.clear();
              kept.forEach(e -> netty.add(e.getKey(), e.getValue()));
            }
          }
          case 10 -> {
            op = "copy";
            HttpHeaders copy = flat.copy();
            assertSame(copy, netty, "copy at seed " + seed);
            flat = (FlatHttpHeaders) copy;
          }
          case 11 -> {
            op = "removeAll(Names)";
            flat.removeAll(new FlatHttpHeaders.Names(REMOVED_TOGETHER));
            for (AsciiString n : REMOVED_TOGETHER) {
              netty.remove(n);
            }
          }
          default -> {
            op = "setAll";
            HttpHeaders other = new DefaultHttpHeaders().add(name, value).add("x-z", "z");
            flat.setAll(other);
            netty.setAll(other);
          }
        }
        assertSame(flat, netty, "seed " + seed + " step " + step + " after " + op + " " + name + "=" + value);
      }
    }
  }

  private static void removeFirstNamed(Iterator<Map.Entry<CharSequence, CharSequence>> it, CharSequence name) {
    while (it.hasNext()) {
      if (AsciiString.contentEqualsIgnoreCase(it.next().getKey(), name)) {
        it.remove();
        return;
      }
    }
  }

  private static void assertSame(HttpHeaders flat, HttpHeaders netty, String where) {
    assertThat(flat.entries()).as(where).isEqualTo(netty.entries());
    assertThat(flat.size()).as(where).isEqualTo(netty.size());
    assertThat(flat.isEmpty()).as(where).isEqualTo(netty.isEmpty());
    // Netty's names() may list one name twice (a String and an AsciiString spelling); compare as sets
    assertThat(flat.names()).as(where).isEqualTo(new java.util.LinkedHashSet<>(netty.names()));
    assertThat(flat.toString()).as(where).isEqualTo(netty.toString().replace("DefaultHttpHeaders", "FlatHttpHeaders"));
    for (CharSequence name : NAMES) {
      assertThat(flat.get(name)).as(where + " get " + name).isEqualTo(netty.get(name));
      assertThat(flat.get(name.toString())).as(where).isEqualTo(netty.get(name.toString()));
      assertThat(flat.getAll(name)).as(where + " getAll " + name).isEqualTo(netty.getAll(name));
      assertThat(flat.contains(name)).as(where).isEqualTo(netty.contains(name));
      assertThat(flat.getInt(name)).as(where + " getInt " + name).isEqualTo(netty.getInt(name));
      assertThat(flat.getInt(name, -7)).as(where).isEqualTo(netty.getInt(name, -7));
      List<String> values = new ArrayList<>();
      flat.valueStringIterator(name).forEachRemaining(values::add);
      assertThat(values).as(where).isEqualTo(netty.getAll(name));
      for (CharSequence value : VALUES) {
        assertThat(flat.contains(name, value, true)).as(where + " contains " + name + "=" + value)
            .isEqualTo(netty.contains(name, value, true));
        assertThat(flat.contains(name, value, false)).as(where).isEqualTo(netty.contains(name, value, false));
        assertThat(flat.containsValue(name, value, true)).as(where).isEqualTo(netty.containsValue(name, value, true));
      }
    }
    List<String> iterated = new ArrayList<>();
    flat.forEach(e -> iterated.add(e.getKey() + "=" + e.getValue()));
    List<String> expected = new ArrayList<>();
    netty.forEach(e -> expected.add(e.getKey() + "=" + e.getValue()));
    assertThat(iterated).as(where).isEqualTo(expected);
  }

  private static CharSequence pick(Random random, List<CharSequence> from) {
    return from.get(random.nextInt(from.size()));
  }

  @Test
  void refusesWhatNettyRefusesInNamesAndValuesSetByCode() {
    FlatHttpHeaders headers = new FlatHttpHeaders();
    DefaultHttpHeaders netty = new DefaultHttpHeaders();
    for (String bad : List.of("a\r\nb", "a\nb", "a\0b", "\u007fx")) {
      assertThatThrownBy(() -> netty.add("x", bad)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> headers.add("x", bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> headers.set("x", bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> headers.add("y", List.of("ok", bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> netty.add("y", List.of("ok", bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    for (String bad : List.of("", "a b", "a:b", "a\r\n", "ä")) {
      assertThatThrownBy(() -> headers.add(bad, "v")).as(bad).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> headers.set(bad, "v")).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> headers.add("x", (Object) null)).isInstanceOf(NullPointerException.class);
    assertThat(headers.entries()).as("values before the bad one stay, as in Netty").isEqualTo(netty.entries());
    assertThat(headers.contains("x")).isFalse();
  }

  @Test
  void entryValuesSetThroughTheIteratorAreStoredAndChecked() {
    FlatHttpHeaders headers = new FlatHttpHeaders();
    headers.add("a", "1").add("b", "2");
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    Map.Entry<CharSequence, CharSequence> first = it.next();
    first.setValue("one");
    assertThat(headers.get("a")).isEqualTo("one");
    assertThatThrownBy(() -> first.setValue("x\r\ny")).isInstanceOf(IllegalArgumentException.class);
    assertThat(headers.get("a")).isEqualTo("one");
  }

  @Test
  void decodedValuesStayAsTheSlicesTheDecoderGave() {
    FlatHttpHeaders headers = new FlatHttpHeaders();
    byte[] block = "Host: example".getBytes();
    AsciiString value = new AsciiString(block, 6, 7, false);
    headers.addDecoded(HttpHeaderNames.HOST, value);
    assertThat(headers.getCharSequence("HOST")).isSameAs(value);
    assertThat(headers.get(HttpHeaderNames.HOST)).isEqualTo("example");
    assertThat(headers.copy().getCharSequence("host")).isSameAs(value);
  }
}
