package dev.remora.operator.api;

/** Listener status: conditions plus how many Routes are attached. */
public class ListenerStatus extends ResourceStatus {
  public Integer attachedRoutes;
}
