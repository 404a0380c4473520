package dev.remora.operator.graph;

import static dev.remora.operator.api.ConditionTypes.REASON_CONFLICTED;
import static dev.remora.operator.api.ConditionTypes.REASON_INVALID;
import static dev.remora.operator.api.ConditionTypes.REASON_NOT_FOUND;
import static dev.remora.operator.api.ConditionTypes.REASON_NOT_PROGRAMMED;
import static dev.remora.operator.api.ConditionTypes.REASON_NO_PARENT;
import static dev.remora.operator.api.ConditionTypes.REASON_PARTIALLY_CONFLICTED;
import static dev.remora.operator.api.ConditionTypes.REASON_PROGRAMMED;
import static dev.remora.operator.api.ConditionTypes.REASON_SYNTAX_ERROR;
import static dev.remora.operator.api.ConditionTypes.REASON_UNSUPPORTED;

import dev.remora.operator.api.Cluster;
import dev.remora.operator.api.ClusterSpec;
import dev.remora.operator.api.Durations;
import dev.remora.operator.api.Hostnames;
import dev.remora.operator.api.Listener;
import dev.remora.operator.api.ListenerSpec;
import dev.remora.operator.api.LuaFilter;
import dev.remora.operator.api.LuaFilterSpec;
import dev.remora.operator.api.ObjectName;
import dev.remora.operator.api.Route;
import dev.remora.operator.api.RouteSpec;
import dev.remora.operator.graph.Graph.ClusterNode;
import dev.remora.operator.graph.Graph.EndpointNode;
import dev.remora.operator.graph.Graph.ListenerNode;
import dev.remora.operator.graph.Graph.LuaNode;
import dev.remora.operator.graph.Graph.RouteNode;
import dev.remora.operator.graph.Graph.VirtualHostNode;
import dev.remora.operator.graph.Graph.WeightedCluster;
import dev.remora.operator.lua.LuaSyntaxChecker;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the {@link Graph} from a {@link ResourceSet}: validates each object, resolves refs,
 * decides conflicts (see {@link Precedence}: oldest wins) and records conditions.
 *
 * <p>Pure apart from one memory: the last LuaFilter script that compiled, per LuaFilter, so a
 * script with a syntax error keeps the previous good one in service. Thread-safe (synchronized).
 */
public final class GraphBuilder {
  private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final java.util.regex.Pattern HOSTNAME = java.util.regex.Pattern.compile(Hostnames.REGEX);

  private final LuaSyntaxChecker luaChecker = new LuaSyntaxChecker();
  private final Map<ObjectRef, String> lastGoodScripts = new HashMap<>();
  private final Map<String, Optional<LuaSyntaxChecker.SyntaxError>> compiled = new HashMap<>();

  /** Builds the graph for {@code in}. */
  public synchronized Graph build(ResourceSet in) {
    return new Build(in).run();
  }

  /** One build: the state shared by its steps. */
  private final class Build {
    private final ResourceSet in;
    private final Map<ObjectRef, StatusDraft> status = new HashMap<>(); // sorted once, into conditions
    private final Map<ObjectRef, Long> generations = new HashMap<>();
    private final TreeMap<ObjectRef, ClusterNode> clusters = new TreeMap<>();
    private final Map<ObjectRef, LuaNode> scripts = new HashMap<>();
    private final Map<ObjectRef, Integer> luaOrder = new HashMap<>();
    private final Map<ObjectRef, Listener> listeners = new LinkedHashMap<>();
    private final Map<ObjectRef, Graph.TlsNode> listenerTls = new HashMap<>();
    private final Map<ObjectRef, List<LuaNode>> listenerLua = new HashMap<>();
    private final Map<ObjectRef, List<LuaNode>> routeLua = new HashMap<>();
    private final Map<ObjectRef, Integer> routeOrder = new HashMap<>();
    /** listener → hostname → match key → route node. */
    private final Map<ObjectRef, Map<String, Map<String, RouteNode>>> attached = new HashMap<>();

    Build(ResourceSet in) {
      this.in = in;
    }

    Graph run() {
      buildClusters();
      buildScripts();
      buildListeners();
      attachLuaFilters();
      attachRoutes();
      List<ListenerNode> nodes = new ArrayList<>();
      for (Map.Entry<ObjectRef, Listener> e : listeners.entrySet()) {
        nodes.add(listenerNode(e.getKey(), e.getValue()));
      }
      nodes.sort(Comparator.comparing(ListenerNode::ref));
      TreeMap<ObjectRef, List<dev.remora.operator.api.Condition>> conditions = new TreeMap<>();
      status.forEach((ref, draft) -> conditions.put(ref, draft.build()));
      return new Graph(List.copyOf(nodes), Collections.unmodifiableSortedMap(clusters),
          Collections.unmodifiableSortedMap(conditions), Map.copyOf(generations));
    }

    private StatusDraft draft(HasMetadata o) {
      ObjectRef ref = ObjectRef.of(o);
      Long gen = o.getMetadata().getGeneration();
      generations.put(ref, gen == null ? 0L : gen);
      return status.computeIfAbsent(ref, r -> new StatusDraft());
    }

    private <T extends HasMetadata> List<T> oldestFirst(List<T> objects) {
      List<T> sorted = new ArrayList<>(objects);
      sorted.sort(Precedence.OLDEST_FIRST);
      return sorted;
    }

    private ObjectRef ref(String kind, ObjectName name, String defaultNamespace) {
      return new ObjectRef(kind, name.namespace != null ? name.namespace : defaultNamespace, name.name);
    }

    // ---- clusters ----

    private void buildClusters() {
      for (Cluster c : oldestFirst(in.clusters())) {
        StatusDraft st = draft(c);
        ObjectRef ref = ObjectRef.of(c);
        ClusterSpec spec = c.getSpec();
        if (spec == null) {
          st.reject(REASON_INVALID, "spec is required");
          continue;
        }
        Duration timeout = DEFAULT_CONNECT_TIMEOUT;
        if (spec.connectTimeout != null) {
          try {
            timeout = Durations.parse(spec.connectTimeout);
          } catch (IllegalArgumentException e) {
            st.reject(REASON_INVALID, "spec.connectTimeout: " + e.getMessage());
          }
        }
        if ((spec.endpoints == null) == (spec.service == null)) {
          st.reject(REASON_INVALID, "spec: exactly one of endpoints or service must be set");
        }
        ClusterSpec.LoadBalancer lbSpec = spec.loadBalancer;
        if (lbSpec != null && (lbSpec.policy == ClusterSpec.Policy.RingHash || lbSpec.policy == ClusterSpec.Policy.Maglev)
            && lbSpec.hashKey == null) {
          st.reject(REASON_INVALID, "spec.loadBalancer.hashKey is required for RingHash and Maglev");
        }
        List<EndpointNode> endpoints = new ArrayList<>();
        if (spec.endpoints != null) {
          for (int i = 0; i < spec.endpoints.size(); i++) {
            ClusterSpec.Endpoint ep = spec.endpoints.get(i);
            if (ep.address == null || ep.address.isBlank() || ep.port == null || ep.port < 1 || ep.port > 65535
                || (ep.weight != null && (ep.weight < 1 || ep.weight > 128))) {
              st.reject(REASON_INVALID, "spec.endpoints[" + i + "]: address, a port in 1..65535 and a weight in 1..128 are required");
              continue;
            }
            endpoints.add(new EndpointNode(ep.address, ep.port, ep.weight == null ? 1 : ep.weight));
          }
        } else if (spec.service != null) {
          ServiceEndpoints.Result r = ServiceEndpoints.resolve(in, ref.namespace(), spec.service);
          r.problem().ifPresent(p -> st.unresolved(REASON_NOT_FOUND, p));
          endpoints.addAll(r.endpoints());
        }
        for (String[] d : new String[][] {
            {"healthCheck.interval", spec.healthCheck == null ? null : spec.healthCheck.interval},
            {"healthCheck.timeout", spec.healthCheck == null ? null : spec.healthCheck.timeout},
            {"outlierDetection.interval", spec.outlierDetection == null ? null : spec.outlierDetection.interval},
            {"outlierDetection.baseEjectionTime", spec.outlierDetection == null ? null : spec.outlierDetection.baseEjectionTime}}) {
          if (!validDuration(d[1])) {
            st.reject(REASON_INVALID, "spec." + d[0] + ": '" + d[1] + "' is not a duration like 10s");
          }
        }
        if (spec.healthCheck != null && (spec.healthCheck.path == null || !spec.healthCheck.path.startsWith("/"))) {
          st.reject(REASON_INVALID, "spec.healthCheck.path: a path starting with '/' is required");
        }
        if (spec.tls != null && spec.tls.caCertificateRef != null && spec.tls.caCertificateRef.name == null) {
          st.reject(REASON_INVALID, "spec.tls.caCertificateRef.name is required");
        }
        Graph.UpstreamTlsNode upstreamTls = null;
        if (spec.tls != null && st.accepted()) {
          String ca = null;
          if (spec.tls.caCertificateRef != null) {
            ca = TlsSecrets.caCertificate(in, ref.namespace(), spec.tls.caCertificateRef, st);
            if (ca == null) {
              // never fall back to unverified TLS: leave the cluster out until the CA resolves
              st.programmed(false, REASON_NOT_PROGRAMMED, "its CA certificate is not usable");
              continue;
            }
          } else if (!Boolean.TRUE.equals(spec.tls.insecureSkipVerify)) {
            st.reject(REASON_INVALID, "spec.tls: set caCertificateRef, or insecureSkipVerify: true");
          }
          upstreamTls = new Graph.UpstreamTlsNode(spec.tls.sni, ca);
        }
        if (!st.accepted()) {
          continue;
        }
        endpoints.sort(Comparator.comparing(EndpointNode::address).thenComparingInt(EndpointNode::port));
        ClusterSpec.LoadBalancer lb = spec.loadBalancer;
        ClusterSpec.Policy policy = lb != null && lb.policy != null ? lb.policy : ClusterSpec.Policy.RoundRobin;
        clusters.put(ref, new ClusterNode(ref, policy, lb == null ? null : lb.hashKey, timeout,
            spec.protocol == null ? ClusterSpec.Protocol.HTTP1 : spec.protocol, spec.circuitBreakers,
            spec.healthCheck, spec.outlierDetection, upstreamTls, List.copyOf(endpoints)));
      }
    }

    // ---- Lua scripts ----

    private void buildScripts() {
      List<LuaFilter> filters = oldestFirst(in.luaFilters());
      java.util.Set<ObjectRef> present = new java.util.HashSet<>();
      for (int i = 0; i < filters.size(); i++) {
        LuaFilter f = filters.get(i);
        StatusDraft st = draft(f);
        ObjectRef ref = ObjectRef.of(f);
        present.add(ref);
        luaOrder.put(ref, i);
        LuaFilterSpec spec = f.getSpec();
        String code = null;
        if (spec == null || (spec.code == null) == (spec.codeFrom == null)) {
          st.reject(REASON_INVALID, "spec: exactly one of code or codeFrom must be set");
        } else if (spec.code != null) {
          code = spec.code;
        } else {
          code = codeFromConfigMap(ref, spec.codeFrom, st);
        }
        if (code != null) {
          Optional<LuaSyntaxChecker.SyntaxError> error = compiled.computeIfAbsent(code,
              c -> luaChecker.check(ref.qualifiedName(), c));
          if (error.isPresent()) {
            st.reject(REASON_SYNTAX_ERROR, "Lua syntax error at " + error.get());
          } else {
            lastGoodScripts.put(ref, code);
          }
        }
        String usable = lastGoodScripts.get(ref);
        if (usable != null) {
          scripts.put(ref, new LuaNode(ref, usable));
          if (!st.accepted()) {
            st.programmed(true, "LastGoodScript", "proxies keep running the last script that compiled");
          }
        }
      }
      lastGoodScripts.keySet().retainAll(present);
      if (compiled.size() > 4096) {
        compiled.clear(); // a cache, not a record: rebuilding it costs one compile per script
      }
    }

    private String codeFromConfigMap(ObjectRef ref, LuaFilterSpec.CodeFrom from, StatusDraft st) {
      LuaFilterSpec.ConfigMapKeyRef key = from.configMapKeyRef;
      if (key == null || key.name == null || key.key == null) {
        st.reject(REASON_INVALID, "spec.codeFrom.configMapKeyRef: name and key are required");
        return null;
      }
      for (ConfigMap cm : in.configMaps()) {
        if (key.name.equals(cm.getMetadata().getName()) && ref.namespace().equals(ObjectRef.of(cm).namespace())) {
          String code = cm.getData() == null ? null : cm.getData().get(key.key);
          if (code == null) {
            st.unresolved(REASON_NOT_FOUND, "ConfigMap " + ref.namespace() + "/" + key.name + " has no key " + key.key);
          }
          return code;
        }
      }
      st.unresolved(REASON_NOT_FOUND, "ConfigMap " + ref.namespace() + "/" + key.name + " not found");
      return null;
    }

    // ---- listeners ----

    private void buildListeners() {
      List<Listener> accepted = new ArrayList<>();
      for (Listener l : oldestFirst(in.listeners())) {
        StatusDraft st = draft(l);
        ObjectRef ref = ObjectRef.of(l);
        ListenerSpec spec = l.getSpec();
        if (spec == null || spec.port == null || spec.port < 1 || spec.port > 65535) {
          st.reject(REASON_INVALID, "spec.port: a port in 1..65535 is required");
          continue;
        }
        String badHost = invalidHostname(spec.hostnames);
        if (badHost != null) {
          st.reject(REASON_INVALID, "spec.hostnames: '" + badHost + "': " + Hostnames.MESSAGE);
          continue;
        }
        if (spec.http != null && !validDuration(spec.http.idleTimeout)) {
          st.reject(REASON_INVALID, "spec.http.idleTimeout: '" + spec.http.idleTimeout + "' is not a duration like 30s");
          continue;
        }
        ListenerSpec.Protocol protocol = protocol(spec);
        if (protocol == ListenerSpec.Protocol.HTTPS) {
          if (spec.tls == null || spec.tls.certificateRef == null || spec.tls.certificateRef.name == null) {
            st.reject(REASON_INVALID, "spec.tls.certificateRef is required when protocol is HTTPS");
            continue;
          }
          Graph.TlsNode tls = TlsSecrets.resolve(in, ref.namespace(), spec.tls, st);
          if (tls == null) {
            st.programmed(false, REASON_NOT_PROGRAMMED, "its TLS certificate is not usable");
            continue;
          }
          listenerTls.put(ref, tls);
        }
        if (protocol == ListenerSpec.Protocol.TCP || protocol == ListenerSpec.Protocol.TLS) {
          if (spec.clusterRef == null || spec.clusterRef.name == null) {
            st.reject(REASON_INVALID, "spec.clusterRef is required when protocol is TCP or TLS");
            continue;
          }
          ObjectRef target = ref("Cluster", spec.clusterRef, ref.namespace());
          if (!clusters.containsKey(target)) {
            st.unresolved(REASON_NOT_FOUND, "Cluster " + target.qualifiedName() + " not found or not accepted");
            st.programmed(false, REASON_NOT_PROGRAMMED, "its target cluster is missing");
            continue;
          }
        }
        Listener older = conflicting(accepted, l);
        if (older != null) {
          st.reject(REASON_CONFLICTED, "port " + spec.port + " is already used by Listener "
              + ObjectRef.of(older).qualifiedName() + " (older) for overlapping proxies (proxySelector, nodeIds)");
          continue;
        }
        accepted.add(l);
        listeners.put(ref, l);
      }
    }

    private boolean isHttp(ListenerSpec.Protocol p) {
      return p == ListenerSpec.Protocol.HTTP || p == ListenerSpec.Protocol.HTTPS;
    }

    private ListenerSpec.Protocol protocol(ListenerSpec spec) {
      return spec.protocol == null ? ListenerSpec.Protocol.HTTP : spec.protocol;
    }

    /** The older accepted listener that binds the same port for a proxy {@code l} may also select. */
    private Listener conflicting(List<Listener> accepted, Listener l) {
      for (Listener a : accepted) {
        if (a.getSpec().port.intValue() == l.getSpec().port.intValue()
            && addressesOverlap(address(a.getSpec()), address(l.getSpec()))
            && selection(a.getSpec()).overlaps(selection(l.getSpec()))) {
          return a;
        }
      }
      return null;
    }

    private boolean addressesOverlap(String a, String b) {
      return a.equals(b) || a.equals("0.0.0.0") || b.equals("0.0.0.0") || a.equals("::") || b.equals("::");
    }

    // ---- Lua targets ----

    private void attachLuaFilters() {
      java.util.Set<ObjectRef> routes = new java.util.HashSet<>();
      in.routes().forEach(r -> routes.add(ObjectRef.of(r)));
      for (LuaFilter f : oldestFirst(in.luaFilters())) {
        ObjectRef ref = ObjectRef.of(f);
        StatusDraft st = status.get(ref);
        LuaNode node = scripts.get(ref);
        if (f.getSpec() == null || f.getSpec().targetRefs == null || f.getSpec().targetRefs.isEmpty()) {
          st.reject(REASON_INVALID, "spec.targetRefs: at least one target is required");
          continue;
        }
        int resolved = 0;
        for (LuaFilterSpec.TargetRef t : f.getSpec().targetRefs) {
          if (t.kind == null || t.name == null) {
            st.reject(REASON_INVALID, "spec.targetRefs: kind and name are required");
            continue;
          }
          ObjectRef target = new ObjectRef(t.kind.name(), ref.namespace(), t.name);
          boolean exists = t.kind == LuaFilterSpec.Kind.Listener ? listeners.containsKey(target) : routes.contains(target);
          if (!exists) {
            st.unresolved(REASON_NOT_FOUND, t.kind + " " + target.qualifiedName() + " not found or not accepted");
            continue;
          }
          resolved++;
          if (node != null) {
            (t.kind == LuaFilterSpec.Kind.Listener ? listenerLua : routeLua)
                .computeIfAbsent(target, k -> new ArrayList<>()).add(node);
          }
        }
        if (resolved == 0 && node != null) {
          st.programmed(false, REASON_NOT_PROGRAMMED, "no target resolved");
        }
      }
    }

    // ---- routes ----

    private void attachRoutes() {
      List<Route> routes = oldestFirst(in.routes());
      for (int i = 0; i < routes.size(); i++) {
        Route r = routes.get(i);
        StatusDraft st = draft(r);
        ObjectRef ref = ObjectRef.of(r);
        routeOrder.put(ref, i);
        RouteSpec spec = r.getSpec();
        if (spec == null || spec.parentRefs == null || spec.parentRefs.isEmpty() || spec.rules == null || spec.rules.isEmpty()) {
          st.reject(REASON_INVALID, "spec: parentRefs and rules are required");
          continue;
        }
        String badHost = invalidHostname(spec.hostnames);
        String invalid = badHost != null ? "spec.hostnames: '" + badHost + "': " + Hostnames.MESSAGE : invalidRule(spec);
        if (invalid != null) {
          st.reject(REASON_INVALID, invalid);
          continue;
        }
        List<List<WeightedCluster>> backends = new ArrayList<>();
        for (int ri = 0; ri < spec.rules.size(); ri++) {
          backends.add(resolveBackends(ref, spec.rules.get(ri), st));
        }
        int programmed = 0;
        List<String> conflicts = new ArrayList<>();
        int parents = 0;
        for (ObjectName parent : spec.parentRefs) {
          ObjectRef lref = ref("Listener", parent, ref.namespace());
          Listener l = listeners.get(lref);
          if (l == null || !isHttp(protocol(l.getSpec()))) {
            st.unresolved(REASON_NO_PARENT, "Listener " + lref.qualifiedName() + " not found, not accepted or not HTTP(S)");
            continue;
          }
          List<String> hosts = effectiveHostnames(spec.hostnames, l.getSpec().hostnames);
          if (hosts.isEmpty()) {
            st.unresolved(REASON_NO_PARENT, "no hostname in common with Listener " + lref.qualifiedName());
            continue;
          }
          parents++;
          Map<String, Map<String, RouteNode>> byHost = attached.computeIfAbsent(lref, k -> new TreeMap<>());
          for (String host : hosts) {
            Map<String, RouteNode> claims = byHost.computeIfAbsent(host, k -> new HashMap<>());
            for (int ri = 0; ri < spec.rules.size(); ri++) {
              RouteSpec.Rule rule = spec.rules.get(ri);
              List<RouteSpec.Match> matches = rule.matches == null || rule.matches.isEmpty()
                  ? List.of(MatchKeys.DEFAULT) : rule.matches;
              for (int mi = 0; mi < matches.size(); mi++) {
                String key = MatchKeys.key(matches.get(mi));
                RouteNode owner = claims.get(key);
                if (owner != null) {
                  if (!owner.route().equals(ref)) {
                    conflicts.add(host + " " + key + " (owned by older Route " + owner.route().qualifiedName() + ")");
                  }
                  continue;
                }
                boolean luaOff = rule.filters != null && rule.filters.lua != null && Boolean.TRUE.equals(rule.filters.lua.disabled);
                claims.put(key, new RouteNode(ref, ri, mi, matches.get(mi), rule, backends.get(ri),
                    List.copyOf(routeLua.getOrDefault(ref, List.of())), luaOff));
                programmed++;
              }
            }
          }
        }
        if (parents == 0) {
          st.reject(REASON_NO_PARENT, "no parentRef resolved to an accepted HTTP or HTTPS Listener");
        } else if (programmed == 0) {
          st.reject(REASON_CONFLICTED, "every match conflicts with an older Route: " + String.join(", ", conflicts));
        } else if (!conflicts.isEmpty()) {
          st.acceptWithNote(REASON_PARTIALLY_CONFLICTED, "left out (conflict): " + String.join(", ", conflicts));
        }
        if (programmed > 0) {
          st.programmed(true, REASON_PROGRAMMED, null);
        }
      }
    }

    /** What the CRD schema would refuse, checked again for local mode (which has no API server). */
    private String invalidRule(RouteSpec spec) {
      for (int ri = 0; ri < spec.rules.size(); ri++) {
        RouteSpec.Rule rule = spec.rules.get(ri);
        String at = "spec.rules[" + ri + "]";
        if (!validDuration(rule.timeout)) {
          return at + ".timeout: '" + rule.timeout + "' is not a duration like 15s";
        }
        if (rule.retry != null && !validDuration(rule.retry.perTryTimeout)) {
          return at + ".retry.perTryTimeout: '" + rule.retry.perTryTimeout + "' is not a duration like 1s";
        }
        boolean terminal = rule.filters != null && (rule.filters.redirect != null || rule.filters.directResponse != null);
        if (rule.backends == null && !terminal) {
          return at + ": a rule needs backends, a redirect or a direct response";
        }
        if (rule.filters != null && rule.filters.directResponse != null && (rule.filters.directResponse.status == null
            || rule.filters.directResponse.status < 100 || rule.filters.directResponse.status > 599)) {
          return at + ".filters.directResponse.status: a status in 100..599 is required";
        }
        if (rule.matches != null) {
          for (int mi = 0; mi < rule.matches.size(); mi++) {
            RouteSpec.Match match = rule.matches.get(mi);
            for (List<RouteSpec.ValueMatch> vs : java.util.Arrays.asList(match.headers, match.queryParams)) {
              if (vs != null && vs.stream().anyMatch(v -> v == null || v.name == null || v.value == null)) {
                return at + ".matches[" + mi + "]: headers and queryParams need a name and a value";
              }
            }
            RouteSpec.PathMatch p = match.path;
            if (p != null && (p.value == null
                || (MatchKeys.pathType(p) != RouteSpec.PathType.RegularExpression && !p.value.startsWith("/")))) {
              return at + ".matches[" + mi + "].path.value: an Exact or PathPrefix path must start with '/'";
            }
          }
        }
      }
      return null;
    }

    private List<WeightedCluster> resolveBackends(ObjectRef route, RouteSpec.Rule rule, StatusDraft st) {
      List<WeightedCluster> out = new ArrayList<>();
      if (rule.backends == null) {
        return out;
      }
      for (RouteSpec.Backend b : rule.backends) {
        if (b.clusterRef == null || b.clusterRef.name == null) {
          st.unresolved(REASON_INVALID, "backends[].clusterRef.name is required");
          continue;
        }
        ObjectRef c = ref("Cluster", b.clusterRef, route.namespace());
        if (!clusters.containsKey(c)) {
          st.unresolved(REASON_NOT_FOUND, "Cluster " + c.qualifiedName() + " not found or not accepted");
          continue;
        }
        int weight = b.weight == null ? 1 : b.weight;
        if (weight > 0) {
          out.add(new WeightedCluster(c, weight));
        }
      }
      return List.copyOf(out);
    }

    private List<String> effectiveHostnames(List<String> route, List<String> listener) {
      if (listener == null || listener.isEmpty() || listener.contains("*")) {
        return route == null || route.isEmpty() ? List.of("*") : new ArrayList<>(new TreeSet<>(route));
      }
      if (route == null || route.isEmpty() || route.contains("*")) {
        return new ArrayList<>(new TreeSet<>(listener));
      }
      TreeSet<String> out = new TreeSet<>();
      for (String h : route) {
        for (String lh : listener) {
          if (h.equals(lh) || (lh.startsWith("*.") && h.endsWith(lh.substring(1)))) {
            out.add(h);
          } else if (h.startsWith("*.") && lh.endsWith(h.substring(1))) {
            out.add(lh);
          }
        }
      }
      return new ArrayList<>(out);
    }

    private ListenerNode listenerNode(ObjectRef ref, Listener l) {
      ListenerSpec spec = l.getSpec();
      List<VirtualHostNode> vhosts = new ArrayList<>();
      TreeMap<String, LuaNode> routeScripts = new TreeMap<>();
      Comparator<RouteNode> order = MatchKeys.precedence(routeOrder);
      attached.getOrDefault(ref, Map.of()).forEach((host, claims) -> {
        List<RouteNode> nodes = new ArrayList<>(claims.values());
        nodes.sort(order);
        vhosts.add(new VirtualHostNode(host, List.copyOf(nodes)));
        nodes.forEach(n -> n.lua().forEach(s -> routeScripts.put(s.ref().qualifiedName(), s)));
      });
      Comparator<LuaNode> luaOrderCmp = Comparator.comparing(n -> luaOrder.get(n.ref()));
      List<LuaNode> lLua = new ArrayList<>(listenerLua.getOrDefault(ref, List.of()));
      lLua.sort(luaOrderCmp);
      List<LuaNode> rLua = new ArrayList<>(routeScripts.values());
      rLua.removeAll(lLua);
      rLua.sort(luaOrderCmp);
      ObjectRef tcp = spec.clusterRef == null ? null : ref("Cluster", spec.clusterRef, ref.namespace());
      return new ListenerNode(ref, selection(spec), address(spec), spec.port, protocol(spec), spec.http,
          isHttp(protocol(spec)) ? null : tcp,
          spec.hostnames == null ? List.of() : List.copyOf(new TreeSet<>(spec.hostnames)), listenerTls.get(ref), List.copyOf(vhosts), List.copyOf(lLua),
          List.copyOf(rLua));
    }
  }

  private static String invalidHostname(List<String> hostnames) {
    if (hostnames != null) {
      for (String h : hostnames) {
        if (h == null || !HOSTNAME.matcher(h).matches()) {
          return h;
        }
      }
    }
    return null;
  }

  private static boolean validDuration(String d) {
    return d == null || d.matches(Durations.PATTERN);
  }

  private static String address(ListenerSpec spec) {
    return spec.address == null || spec.address.isBlank() ? "0.0.0.0" : spec.address;
  }

  private static ProxySelection selection(ListenerSpec spec) {
    Map<String, String> labels = spec.proxySelector == null ? null
        : spec.proxySelector.matchLabels == null ? Map.of() : spec.proxySelector.matchLabels;
    return new ProxySelection(spec.nodeIds == null ? java.util.Set.of() : new TreeSet<>(spec.nodeIds), labels);
  }
}
