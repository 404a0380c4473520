package dev.remora.proxy.server;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker event loops, one thread each ({@code --concurrency} of them). A connection accepted on a
 * worker is served by it for life, and so are the upstream connections made for it.
 */
public final class Workers {
  private final Transport transport;
  private final EventLoopGroup group;
  private final List<EventLoop> loops;

  public Workers(int concurrency, Transport transport) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: >= 1)");
    }
    this.transport = transport;
    this.group = new MultiThreadIoEventLoopGroup(concurrency, new WorkerThreadFactory(), transport.ioHandlerFactory());
    List<EventLoop> list = new ArrayList<>();
    group.forEach(executor -> list.add((EventLoop) executor));
    this.loops = List.copyOf(list);
    // Threads start lazily; starting them one by one makes thread index i belong to loops().get(i).
    for (EventLoop loop : loops) {
      loop.submit(() -> { }).syncUninterruptibly();
    }
  }

  public Transport transport() {
    return transport;
  }

  public EventLoopGroup group() {
    return group;
  }

  /** The worker loops in index order: {@code loops().get(i)} runs on the {@link WorkerThread} with index i. */
  public List<EventLoop> loops() {
    return loops;
  }

  public int size() {
    return loops.size();
  }

  public Future<?> shutdown() {
    return group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }

  /** Names threads {@code remora-worker-N} and numbers them in the order the group creates them. */
  private static final class WorkerThreadFactory implements ThreadFactory {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      int index = next.getAndIncrement();
      WorkerThread thread = new WorkerThread(null, task, "remora-worker-" + index, index);
      thread.setDaemon(false);
      return thread;
    }
  }
}
