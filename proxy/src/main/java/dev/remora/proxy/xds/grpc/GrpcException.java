package dev.remora.proxy.xds.grpc;

/**
 * Why a gRPC stream ended other than by the server's {@code grpc-status: 0}: the server's status and
 * message, or what went wrong on the way (connect, HTTP/2, framing), in words fit for a log line.
 */
public final class GrpcException extends Exception {
  private final int status;

  GrpcException(String message, int status) {
    super(message, null, false, false);
    this.status = status;
  }

  /** The server's grpc-status, or -1 when the stream did not end with one. */
  public int status() {
    return status;
  }
}
