package dev.remora.proxy.xds.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/**
 * gRPC's length-prefixed messages on an HTTP/2 stream: a 1-byte compressed flag, a 4-byte big-endian
 * length, then the protobuf bytes. Encoding is static; an instance decodes one stream's DATA, where a
 * message may span frames and a frame may hold several messages. Compression is never negotiated
 * (no {@code grpc-accept-encoding} is sent), so a compressed message is refused, as is one longer
 * than the limit (before any of it is buffered).
 */
public final class GrpcFraming {
  /** The largest message accepted by default: gRPC-Java's {@code maxInboundMessageSize} as the proxy set it. */
  public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
  static final int HEADER_BYTES = 5;

  private final int maxMessageBytes;
  private final byte[] header = new byte[HEADER_BYTES];
  private int headerRead;
  /** The message being read, sized from its header; null between messages. */
  private byte[] body;
  private int bodyRead;

  public GrpcFraming(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Why a stream's DATA cannot be read as gRPC messages. */
  public static final class FramingException extends Exception {
    FramingException(String message) {
      super(message);
    }
  }

  /** One message framed for a DATA frame (a heap buffer holding the prefix and the message). */
  public static ByteBuf encode(MessageLite message) {
    int size = message.getSerializedSize();
    byte[] framed = new byte[HEADER_BYTES + size];
    framed[1] = (byte) (size >>> 24);
    framed[2] = (byte) (size >>> 16);
    framed[3] = (byte) (size >>> 8);
    framed[4] = (byte) size;
    CodedOutputStream out = CodedOutputStream.newInstance(framed, HEADER_BYTES, size);
    try {
      message.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // cannot happen writing into an array of the right size
    }
    out.checkNoSpaceLeft();
    return Unpooled.wrappedBuffer(framed);
  }

  /**
   * Reads all of {@code data} (it is not released), handing each message completed to {@code messages}
   * as its protobuf bytes; the rest is kept for the next call.
   */
  public void decode(ByteBuf data, Consumer<byte[]> messages) throws FramingException {
    while (data.isReadable()) {
      if (body == null) {
        int n = Math.min(HEADER_BYTES - headerRead, data.readableBytes());
        data.readBytes(header, headerRead, n);
        headerRead += n;
        if (headerRead < HEADER_BYTES) {
          return;
        }
        startMessage();  // an empty message completes below even when its prefix ended the frame
      }
      int n = Math.min(body.length - bodyRead, data.readableBytes());
      data.readBytes(body, bodyRead, n);
      bodyRead += n;
      if (bodyRead == body.length) {
        byte[] message = body;
        body = null;
        headerRead = 0;
        messages.accept(message);
      }
    }
  }

  private void startMessage() throws FramingException {
    if (header[0] != 0) {
      throw new FramingException(header[0] == 1
          ? "the server sent a compressed message, but no compression was negotiated"
          : "bad compressed-flag byte " + (header[0] & 0xff) + " in a gRPC message prefix");
    }
    long length = ((header[1] & 0xffL) << 24) | ((header[2] & 0xff) << 16) | ((header[3] & 0xff) << 8) | (header[4] & 0xff);
    if (length > maxMessageBytes) {
      throw new FramingException("a message of " + length + " bytes exceeds the limit of " + maxMessageBytes + " bytes");
    }
    body = new byte[(int) length];
    bodyRead = 0;
  }

  /** Bytes of the message in progress held so far (its prefix included); 0 between messages. */
  public int buffered() {
    return body == null ? headerRead : HEADER_BYTES + bodyRead;
  }
}
