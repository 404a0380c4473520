package dev.remora.operator.api;

/** Host name syntax: DNS names, optionally with a leading {@code *.} wildcard, or {@code *} alone. */
public final class Hostnames {
  public static final String REGEX = "^(\\*|(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$";
  public static final String MESSAGE = "hostnames must be lower-case DNS names, '*.' wildcards or '*'";

  private Hostnames() {}
}
