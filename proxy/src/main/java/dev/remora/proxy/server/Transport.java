package dev.remora.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * The socket transport. By default the best one the kernel allows: io_uring, then epoll, then Java NIO.
 * io_uring batches each loop turn's reads and writes into one system call; it took ~15% less CPU per
 * proxied request than epoll here (docs/benchmarks.md). Container runtimes' default seccomp profiles
 * often forbid io_uring, and then epoll is used. Both native transports give SO_REUSEPORT, so every
 * worker binds every listener; NIO shares one accepting socket.
 */
public enum Transport {
  IO_URING("io_uring"), EPOLL("epoll"), NIO("nio");

  private final String flagName;

  Transport(String flagName) {
    this.flagName = flagName;
  }

  /** The best transport available here. */
  public static Transport best() {
    if (IoUring.isAvailable()) {
      return IO_URING;
    }
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /**
   * The transport {@code --transport} names ({@code auto} for {@link #best()}), refused with the
   * kernel's or loader's reason when it is not available here.
   */
  public static Transport named(String name) throws Options.UsageException {
    if (name.equals("auto")) {
      return best();
    }
    for (Transport t : values()) {
      if (t.flagName.equals(name)) {
        Throwable cause = t.unavailabilityCause();
        if (cause != null) {
          throw new Options.UsageException("--transport " + name + ": not available here: " + cause);
        }
        return t;
      }
    }
    throw new Options.UsageException("--transport: " + name + " (expected: auto, io_uring, epoll or nio)");
  }

  /** Why this transport cannot be used here, or null when it can. */
  public Throwable unavailabilityCause() {
    return switch (this) {
      case IO_URING -> IoUring.unavailabilityCause();
      case EPOLL -> Epoll.unavailabilityCause();
      case NIO -> null;
    };
  }

  /** The name {@code --transport} takes. */
  public String flagName() {
    return flagName;
  }

  public IoHandlerFactory ioHandlerFactory() {
    return switch (this) {
      case IO_URING -> IoUringIoHandler.newFactory();
      case EPOLL -> EpollIoHandler.newFactory();
      case NIO -> NioIoHandler.newFactory();
    };
  }

  public Class<? extends ServerChannel> serverChannel() {
    return switch (this) {
      case IO_URING -> IoUringServerSocketChannel.class;
      case EPOLL -> EpollServerSocketChannel.class;
      case NIO -> NioServerSocketChannel.class;
    };
  }

  public Class<? extends SocketChannel> socketChannel() {
    return switch (this) {
      case IO_URING -> IoUringSocketChannel.class;
      case EPOLL -> EpollSocketChannel.class;
      case NIO -> NioSocketChannel.class;
    };
  }

  /** Whether each worker can bind its own socket to a shared port. */
  public boolean reusePort() {
    return this != NIO;
  }

  /** The option that sets SO_REUSEPORT on a listening socket; null where {@link #reusePort()} is false. */
  public ChannelOption<Boolean> reusePortOption() {
    return switch (this) {
      case IO_URING -> IoUringChannelOption.SO_REUSEPORT;
      case EPOLL -> EpollChannelOption.SO_REUSEPORT;
      case NIO -> null;
    };
  }

  /** The transport a channel was made by. */
  public static Transport of(Channel channel) {
    if (channel instanceof IoUringSocketChannel || channel instanceof IoUringServerSocketChannel) {
      return IO_URING;
    }
    return channel instanceof EpollSocketChannel || channel instanceof EpollServerSocketChannel ? EPOLL : NIO;
  }
}
