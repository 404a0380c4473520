package dev.remora.proxy.server;

public final class Main {
  public static void main(String[] args) {
    System.out.println("remora-proxy");
  }
}
