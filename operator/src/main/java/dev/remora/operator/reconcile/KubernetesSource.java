package dev.remora.operator.reconcile;

import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.LuaFilter;
import dev.remora.operator.api.Route;
import dev.remora.operator.graph.ResourceSet;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;

/**
 * Informers on the four Remora kinds plus Services, EndpointSlices, ConfigMaps and Secrets (all
 * namespaces); every event calls {@code onChange} (the control plane debounces) and
 * {@link #snapshot()} reads the informer caches. Every replica runs these, leader or not.
 */
public final class KubernetesSource implements AutoCloseable {
  private final SharedIndexInformer<Listener> listeners;
  private final SharedIndexInformer<Cluster> clusters;
  private final SharedIndexInformer<Route> routes;
  private final SharedIndexInformer<LuaFilter> luaFilters;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<EndpointSlice> endpointSlices;
  private final SharedIndexInformer<ConfigMap> configMaps;
  private final SharedIndexInformer<Secret> secrets;
  private final List<SharedIndexInformer<?>> all = new ArrayList<>();

  public KubernetesSource(KubernetesClient client, Runnable onChange) {
    listeners = watch(client.resources(Listener.class).inAnyNamespace().inform(), onChange);
    clusters = watch(client.resources(Cluster.class).inAnyNamespace().inform(), onChange);
    routes = watch(client.resources(Route.class).inAnyNamespace().inform(), onChange);
    luaFilters = watch(client.resources(LuaFilter.class).inAnyNamespace().inform(), onChange);
    services = watch(client.services().inAnyNamespace().inform(), onChange);
    endpointSlices = watch(client.discovery().v1().endpointSlices().inAnyNamespace().inform(), onChange);
    configMaps = watch(client.configMaps().inAnyNamespace().inform(), onChange);
    secrets = watch(client.secrets().inAnyNamespace().inform(), onChange);
  }

  private <T extends HasMetadata> SharedIndexInformer<T> watch(SharedIndexInformer<T> informer, Runnable onChange) {
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.run();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        // status writes come back as updates: only spec/data changes (or deletions) matter
        if (!sameGeneration(oldObj, newObj) || !(newObj instanceof io.fabric8.kubernetes.client.CustomResource<?, ?>)) {
          onChange.run();
        }
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onChange.run();
      }
    });
    all.add(informer);
    return informer;
  }

  private static boolean sameGeneration(HasMetadata a, HasMetadata b) {
    Long ga = a.getMetadata().getGeneration();
    Long gb = b.getMetadata().getGeneration();
    return ga != null && ga.equals(gb);
  }

  /** Whether every informer has finished its initial list. */
  public boolean synced() {
    return all.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /** The current contents of the informer caches. */
  public ResourceSet snapshot() {
    return new ResourceSet(listeners.getStore().list(), clusters.getStore().list(), routes.getStore().list(),
        luaFilters.getStore().list(), services.getStore().list(), endpointSlices.getStore().list(),
        configMaps.getStore().list(), secrets.getStore().list());
  }

  @Override
  public void close() {
    all.forEach(SharedIndexInformer::close);
  }
}
