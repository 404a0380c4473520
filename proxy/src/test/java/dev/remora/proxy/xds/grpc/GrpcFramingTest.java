package dev.remora.proxy.xds.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** gRPC's length-prefixed framing over DATA frames, decoded from plain buffers cut as a server may cut them. */
class GrpcFramingTest {
  private final GrpcFraming framing = new GrpcFraming(1024);
  private final List<byte[]> messages = new ArrayList<>();

  private static byte[] framed(StringValue message) {
    ByteBuf buf = GrpcFraming.encode(message);
    byte[] bytes = new byte[buf.readableBytes()];
    buf.readBytes(bytes);
    return bytes;
  }

  private void feed(byte[] bytes, int from, int to) throws GrpcFraming.FramingException {
    ByteBuf frame = Unpooled.wrappedBuffer(bytes, from, to - from);
    framing.decode(frame, messages::add);
    assertThat(frame.isReadable()).as("a frame is read to its end").isFalse();
  }

  @Test
  void encodesAZeroFlagAndABigEndianLengthBeforeTheMessage() {
    StringValue message = StringValue.of("x".repeat(300));
    byte[] bytes = framed(message);
    int size = message.getSerializedSize();
    assertThat(bytes).hasSize(5 + size);
    assertThat(bytes[0]).isEqualTo((byte) 0);
    assertThat(((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8) | (bytes[4] & 0xff))
        .isEqualTo(size);
  }

  @Test
  void aMessageSplitAcrossFramesComesOutWhole() throws Exception {
    byte[] bytes = framed(StringValue.of("hello, management server"));
    feed(bytes, 0, 3);  // inside the prefix
    assertThat(messages).isEmpty();
    assertThat(framing.buffered()).isEqualTo(3);
    feed(bytes, 3, 9);  // the rest of the prefix and some of the message
    assertThat(messages).isEmpty();
    assertThat(framing.buffered()).isEqualTo(9);
    for (int i = 9; i < bytes.length; i++) {  // then a byte per frame
      feed(bytes, i, i + 1);
    }
    assertThat(messages).hasSize(1);
    assertThat(StringValue.parseFrom(messages.get(0)).getValue()).isEqualTo("hello, management server");
    assertThat(framing.buffered()).isZero();
  }

  @Test
  void severalMessagesInOneFrameIncludingAnEmptyOneAndTheStartOfTheNext() throws Exception {
    byte[] a = framed(StringValue.of("a"));
    byte[] empty = framed(StringValue.getDefaultInstance());
    byte[] b = framed(StringValue.of("bb"));
    byte[] c = framed(StringValue.of("ccc"));
    assertThat(empty).hasSize(5);
    byte[] all = new byte[a.length + empty.length + b.length + c.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(empty, 0, all, a.length, empty.length);
    System.arraycopy(b, 0, all, a.length + empty.length, b.length);
    System.arraycopy(c, 0, all, a.length + empty.length + b.length, c.length);
    int cStart = all.length - c.length;
    feed(all, 0, cStart + 2);
    assertThat(messages).hasSize(3);
    assertThat(StringValue.parseFrom(messages.get(0)).getValue()).isEqualTo("a");
    assertThat(messages.get(1)).isEmpty();
    assertThat(StringValue.parseFrom(messages.get(2)).getValue()).isEqualTo("bb");
    assertThat(framing.buffered()).isEqualTo(2);
    feed(all, cStart + 2, all.length);
    assertThat(messages).hasSize(4);
    assertThat(StringValue.parseFrom(messages.get(3)).getValue()).isEqualTo("ccc");
  }

  @Test
  void anEmptyMessageWhosePrefixEndsTheFrameIsDelivered() throws Exception {
    feed(framed(StringValue.getDefaultInstance()), 0, 5);
    assertThat(messages).hasSize(1);
    assertThat(messages.get(0)).isEmpty();
  }

  @Test
  void aCompressedMessageIsRefused() {
    byte[] bytes = framed(StringValue.of("zipped"));
    bytes[0] = 1;
    assertThatThrownBy(() -> feed(bytes, 0, bytes.length))
        .isInstanceOf(GrpcFraming.FramingException.class)
        .hasMessageContaining("compressed message");
    assertThat(messages).isEmpty();
  }

  @Test
  void aMessageOverTheLimitIsRefusedFromItsPrefixAlone() throws Exception {
    byte[] prefix = {0, 0, 0, 4, 1};  // 1025 bytes announced, limit 1024: refused before any byte of it
    assertThatThrownBy(() -> feed(prefix, 0, 5))
        .isInstanceOf(GrpcFraming.FramingException.class)
        .hasMessageContaining("1025 bytes exceeds the limit of 1024 bytes");

    GrpcFraming exact = new GrpcFraming(1024);
    byte[] atLimit = new byte[5 + 1024];
    atLimit[3] = 4;  // 1024
    List<byte[]> out = new ArrayList<>();
    exact.decode(Unpooled.wrappedBuffer(atLimit), out::add);
    assertThat(out).hasSize(1);
    assertThat(out.get(0)).hasSize(1024);
  }

  @Test
  void theDefaultLimitIsSixtyFourMebibytes() throws Exception {
    GrpcFraming framing = new GrpcFraming(GrpcFraming.MAX_MESSAGE_BYTES);
    assertThatThrownBy(() -> framing.decode(Unpooled.wrappedBuffer(new byte[] {0, 4, 0, 0, 1}), m -> { }))
        .hasMessageContaining("67108865 bytes exceeds the limit of 67108864 bytes");
  }
}
