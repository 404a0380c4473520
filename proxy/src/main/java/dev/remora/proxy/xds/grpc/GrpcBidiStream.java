package dev.remora.proxy.xds.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client-to-server streaming call ({@link GrpcChannel#open}): requests go out with {@link #send},
 * responses and the end come to the {@link GrpcStreamListener} on the channel's executor. Its methods
 * are called on that executor too: everything on this side is confined to it, the HTTP/2 side to the
 * connection's event loop ({@link GrpcStreamHandler}).
 */
public final class GrpcBidiStream<R> {
  private static final Logger log = LoggerFactory.getLogger(GrpcBidiStream.class);

  private final Executor executor;
  private final Parser<R> parser;
  private final GrpcStreamListener<R> listener;
  private GrpcStreamHandler handler;
  /** Cancelled, or ended and reported: nothing more is sent or delivered. */
  private boolean finished;

  GrpcBidiStream(Executor executor, Parser<R> parser, GrpcStreamListener<R> listener) {
    this.executor = executor;
    this.parser = parser;
    this.listener = listener;
  }

  void handler(GrpcStreamHandler handler) {
    this.handler = handler;
  }

  /** Sends one request message (queued until the stream is open); ignored once the stream ended. */
  public void send(MessageLite message) {
    if (!finished) {
      handler.send(GrpcFraming.encode(message));
    }
  }

  /** Ends the stream from this side (RST_STREAM CANCEL, then the connection closes); the listener hears nothing more. */
  public void cancel() {
    if (!finished) {
      finished = true;
      handler.cancel();
    }
  }

  // Called on the event loop; each hands over to the executor.

  void deliverHeaders() {
    post(() -> {
      if (!finished) {
        listener.onHeaders();
      }
    });
  }

  /** {@code flowControlled}: the bytes of it to return to the server's send window once it is consumed. */
  void deliverMessage(byte[] bytes, int flowControlled) {
    post(() -> {
      if (finished) {
        return;
      }
      R message;
      try {
        message = parser.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        failHere("a response message did not parse: " + e.getMessage());
        return;
      }
      try {
        listener.onMessage(message);
      } catch (RuntimeException e) {
        log.error("the gRPC response listener failed", e);
        failHere("the response listener failed: " + e);
        return;
      }
      handler.consumed(flowControlled);
    });
  }

  void deliverClose(GrpcException error) {
    post(() -> {
      if (!finished) {
        finished = true;
        listener.onClose(error);
      }
    });
  }

  private void post(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // the executor was shut down (the proxy is closing): nobody is listening any more
    }
  }

  /** Ends the stream for a reason found on this side (as gRPC-Java: the call is cancelled, the listener told). */
  private void failHere(String reason) {
    finished = true;
    handler.cancel();
    listener.onClose(new GrpcException(reason, -1));
  }
}
