package dev.remora.proxy.upstream;

import java.net.InetSocketAddress;

/** PLACEHOLDER until the lb branch lands: an upstream endpoint. */
public final class Host {
  private final String address;
  private final int port;
  private final int weight;
  private final InetSocketAddress socketAddress;

  public Host(String address, int port, int weight) {
    this.address = address;
    this.port = port;
    this.weight = weight;
    this.socketAddress = new InetSocketAddress(address, port);
  }

  public String address() { return address; }
  public int port() { return port; }
  public int weight() { return weight; }
  public InetSocketAddress socketAddress() { return socketAddress; }
  public boolean healthy() { return true; }
  public String key() { return address + ":" + port; }
}
