package dev.remora.operator.reconcile;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.api.ResourceStatus;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.List;

/**
 * A JOSDK reconciler for one Remora kind. The graph is global (one Route's acceptance depends on
 * the others), so it is not built here: the {@link ControlPlane} rebuilds it from every change
 * (debounced) and serves xDS on every replica. Reconciling an object means patching its status
 * to what the latest graph says ({@link DesiredStatus}); JOSDK runs it on the leader only.
 *
 * <p>A change to one object can change another's status (a newer Route now conflicts, an
 * EndpointSlice changes a Cluster's endpoint count, a proxy NACKs), so after every rebuild
 * {@link #graphChanged} asks JOSDK, through an inbound event source, to reconcile every object of
 * this kind whose status is out of date.
 *
 * @param <R> the kind
 */
abstract class StatusReconciler<R extends CustomResource<?, ? extends ResourceStatus>> implements Reconciler<R> {
  private final ControlPlane controlPlane;
  private final java.util.function.BooleanSupplier leading;
  private final SimpleInboundEventSource<R> graphEvents = new SimpleInboundEventSource<>("graph");

  /**
   * @param leading whether this replica holds the Lease: JOSDK starts reconciling when it gets it
   *     but, told not to exit when it loses it, would go on reconciling; this stops the writes
   */
  StatusReconciler(ControlPlane controlPlane, java.util.function.BooleanSupplier leading) {
    this.controlPlane = controlPlane;
    this.leading = leading;
  }

  @Override
  public List<EventSource<?, R>> prepareEventSources(EventSourceContext<R> context) {
    return List.of(graphEvents);
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public UpdateControl<R> reconcile(R resource, Context<R> context) {
    if (!leading.getAsBoolean()) {
      return UpdateControl.noUpdate();
    }
    ResourceStatus next = DesiredStatus.of(resource, controlPlane.publisher().graph(), controlPlane.rejections());
    if (next == null) {
      return UpdateControl.noUpdate(); // up to date, or the graph has not caught up: graphChanged will call again
    }
    ((CustomResource) resource).setStatus(next);
    return UpdateControl.patchStatus(resource);
  }

  /**
   * After a rebuild: reconcile the objects of this kind (from the control plane's caches) whose
   * status differs from the new graph's.
   */
  void graphChanged(List<R> objects) {
    var graph = controlPlane.publisher().graph();
    var rejected = controlPlane.rejections();
    for (R o : objects) {
      if (DesiredStatus.of(o, graph, rejected) != null) {
        graphEvents.propagateEvent(ResourceID.fromResource(o));
      }
    }
  }
}
