package dev.remora.operator;

public final class Main {
  public static void main(String[] args) {
    System.out.println("remora-operator");
  }
}
