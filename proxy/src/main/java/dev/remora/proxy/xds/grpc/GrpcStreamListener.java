package dev.remora.proxy.xds.grpc;

/**
 * What a {@link GrpcBidiStream} reports, always on the executor its {@link GrpcChannel} was given, one
 * call at a time and in order.
 */
public interface GrpcStreamListener<R> {
  /** The server answered with response headers (HTTP 200, a gRPC content type). */
  void onHeaders();

  /** One response message. */
  void onMessage(R message);

  /**
   * The stream ended: {@code error} is null when the server ended it with {@code grpc-status: 0}.
   * Called at most once, and never after {@link GrpcBidiStream#cancel()}; nothing follows it.
   */
  void onClose(GrpcException error);
}
