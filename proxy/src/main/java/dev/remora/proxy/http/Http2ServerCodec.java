package dev.remora.proxy.http;

import static io.netty.handler.codec.http2.Http2Exception.connectionError;
import static io.netty.handler.codec.http2.Http2Exception.streamError;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Netty's server frame codec, stricter about frames on streams it has already forgotten. Netty answers
 * a HEADERS or DATA frame on any closed stream with RST_STREAM(STREAM_CLOSED), since it no longer
 * knows whether the stream ever existed. With {@link RecentStreams} we do, and answer as RFC 9113
 * and Envoy do:
 * <ul>
 *   <li>a stream id lower than one already used, that was never opened: connection error
 *       PROTOCOL_ERROR (5.1.1);</li>
 *   <li>a stream the client closed itself (END_STREAM or RST_STREAM sent): connection error
 *       STREAM_CLOSED (5.1; RFC 7540 required it after END_STREAM);</li>
 *   <li>a stream we reset: still only RST_STREAM, since the client may have sent the frame before it
 *       saw our reset.</li>
 * </ul>
 * Frames on streams Netty still holds keep Netty's stream errors.
 */
final class Http2ServerCodec extends Http2FrameCodec {
  private final RecentStreams streams = new RecentStreams();

  private Http2ServerCodec(Http2ConnectionEncoder encoder, Http2ConnectionDecoder decoder, Http2Settings settings,
      boolean decoupleCloseAndGoAway, boolean flushPreface) {
    super(encoder, decoder, settings, decoupleCloseAndGoAway, flushPreface);
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamAdded(Http2Stream stream) {
        streams.opened(stream.id());
      }

      @Override
      public void onStreamClosed(Http2Stream stream) {
        if (stream.isResetSent()) {
          streams.resetByUs(stream.id());
        }
      }
    });
  }

  /** A builder for the server side, configured as {@link Http2FrameCodecBuilder#forServer()} is. */
  static Builder forServer() {
    return new Builder();
  }

  @Override
  public void onError(ChannelHandlerContext ctx, boolean outbound, Throwable cause) {
    if (!outbound && Http2CodecUtil.getEmbeddedHttp2Exception(cause) instanceof Http2Exception.StreamException e) {
      Http2Stream stream = connection().stream(e.streamId());
      if (stream == null) {
        cause = onForgottenStream(e, cause);
      } else if (stream.state() == Http2Stream.State.HALF_CLOSED_REMOTE && e.error() == Http2Error.PROTOCOL_ERROR
          && String.valueOf(e.getMessage()).contains(TOO_MANY_HEADERS)) {
        // HEADERS after the client's END_STREAM: Netty counts the first HEADERS twice, calls this one a
        // third block (PROTOCOL_ERROR) before it looks at the stream's state; RFC 9113 5.1 says STREAM_CLOSED
        cause = streamError(e.streamId(), Http2Error.STREAM_CLOSED, cause, "HEADERS on half-closed (remote) stream %d",
            e.streamId());
      }
    }
    super.onError(ctx, outbound, cause);
  }

  /** How Netty's decoder names a HEADERS frame its stream cannot take any more (checked by Http2ConformanceTest). */
  private static final String TOO_MANY_HEADERS = "received too many headers";

  /** A stream error on a stream id Netty holds no stream for. */
  private Throwable onForgottenStream(Http2Exception.StreamException e, Throwable cause) {
    int id = e.streamId();
    if (e.error() == Http2Error.REFUSED_STREAM) {
      // refused before it was created: the client may still send frames for it, as after any reset
      streams.resetByUs(id);
      return cause;
    }
    if (e.error() != Http2Error.STREAM_CLOSED) {
      return cause;
    }
    return switch (streams.state(id)) {
      case RecentStreams.NEVER_OPENED -> connectionError(Http2Error.PROTOCOL_ERROR,
          "Stream %d was never opened and is lower than a stream already opened", id);
      case RecentStreams.CLOSED_BY_PEER -> connectionError(Http2Error.STREAM_CLOSED,
          "Frame on stream %d, which the client had closed", id);
      default -> cause;
    };
  }

  /** Builds {@link Http2ServerCodec}s; every option of Netty's builder applies. */
  static final class Builder extends Http2FrameCodecBuilder {
    private Builder() {
      server(true);
      gracefulShutdownTimeoutMillis(0);  // as forServer(): the connection manager drains, not the codec
    }

    @Override
    public Http2ServerCodec build() {
      return (Http2ServerCodec) super.build();
    }

    @Override
    protected Http2FrameCodec build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      Http2ServerCodec codec = new Http2ServerCodec(encoder, decoder, initialSettings, decoupleCloseAndGoAway(),
          flushPreface());
      codec.gracefulShutdownTimeoutMillis(gracefulShutdownTimeoutMillis());
      return codec;
    }
  }
}
