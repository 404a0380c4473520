package dev.remora.proxy.http;

import io.netty.channel.ChannelHandler;

/** Hands the package-private downstream codec classes to {@code upstream.Http1CodecBench}. */
public final class Http1CodecBenchSupport {
  private Http1CodecBenchSupport() {}

  public static ChannelHandler requestDecoder() {
    return new Http1RequestDecoder(60 * 1024);
  }

  public static ChannelHandler responseEncoder() {
    return new Http1ResponseEncoder();
  }
}
