package dev.breakglass.entra.graph;

import com.microsoft.graph.models.SignIn;
import com.microsoft.graph.models.SignInLocation;
import com.microsoft.graph.models.SignInStatus;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.kiota.serialization.UntypedArray;
import com.microsoft.kiota.serialization.UntypedNode;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.entra.SignInRecord;
import dev.breakglass.entra.SignInSource;
import dev.breakglass.entra.graph.GraphCalls.Op;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Sign-ins from Graph's <b>beta</b> {@code /auditLogs/signIns}, sent through the v1.0 SDK with
 * {@code withUrl}: only beta has {@code signInEventTypes}, without which Graph returns interactive
 * sign-ins alone (no non-interactive and no service-principal ones). The v1.0 model reads the beta
 * answer; {@code signInEventTypes}, which it lacks, arrives in its additional data. Why not the beta
 * SDK: see the module README.
 *
 * <p>Per call: one query for the users (interactive and non-interactive) and one for the apps'
 * service principals, each filtered at Graph by identity and time, at most {@value #IDS_PER_QUERY}
 * identities a query.
 */
public final class GraphSignIns implements SignInSource {
  static final int IDS_PER_QUERY = 10;
  static final String PERMISSION = "AuditLog.Read.All and Directory.Read.All";

  private final GraphServiceClient graph;
  private final String betaRoot;

  public GraphSignIns(GraphServiceClient graph) {
    this.graph = Objects.requireNonNull(graph, "graph");
    String base = graph.getRequestAdapter().getBaseUrl();
    this.betaRoot = (base.endsWith("/v1.0") ? base.substring(0, base.length() - "/v1.0".length()) : base) + "/beta";
  }

  @Override
  public List<SignInRecord> signIns(Set<String> userIds, Set<String> servicePrincipalAppIds, Instant from, Instant to)
      throws DirectoryException {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("'to' (" + to + ") is before 'from' (" + from + ")");
    }
    String time = "createdDateTime ge " + OData.floor(from) + " and createdDateTime le " + OData.ceil(to);
    Map<String, SignInRecord> byId = new LinkedHashMap<>();
    for (List<String> chunk : chunks(userIds)) {
      List<String> terms = new ArrayList<>();
      for (String u : chunk) {
        terms.add(u.contains("@") ? "userPrincipalName eq " + OData.quote(u.toLowerCase(Locale.ROOT))
            : "userId eq " + OData.quote(u));
      }
      query(time + " and (" + String.join(" or ", terms) + ") and signInEventTypes/any(t: t eq 'interactiveUser'"
          + " or t eq 'nonInteractiveUser')", "users' sign-ins", byId);
    }
    for (List<String> chunk : chunks(servicePrincipalAppIds)) {
      List<String> terms = new ArrayList<>();
      for (String a : chunk) {
        terms.add("appId eq " + OData.quote(a));
      }
      query(time + " and (" + String.join(" or ", terms) + ") and signInEventTypes/any(t: t eq 'servicePrincipal')",
          "service principals' sign-ins", byId);
    }
    List<SignInRecord> out = new ArrayList<>(byId.values());
    out.sort(Comparator.comparing(SignInRecord::createdDateTime).thenComparing(SignInRecord::id));
    return List.copyOf(out);
  }

  private void query(String filter, String what, Map<String, SignInRecord> into) throws DirectoryException {
    String url = betaRoot + "/auditLogs/signIns?$filter="
        + URLEncoder.encode(filter, StandardCharsets.UTF_8).replace("+", "%20");
    Op op = new Op("GET /beta/auditLogs/signIns (" + what + " from " + filter.substring("createdDateTime ge ".length(),
        filter.indexOf(" and ")) + ")", PERMISSION);
    var signIns = graph.auditLogs().signIns();
    List<SignIn> items = GraphCalls.all(op, () -> signIns.withUrl(url).get(), link -> signIns.withUrl(link).get(),
        r -> r.getValue(), r -> r.getOdataNextLink());
    for (SignIn s : items) {
      SignInRecord r = record(s, op);
      into.putIfAbsent(r.id(), r);
    }
  }

  private static SignInRecord record(SignIn s, Op op) throws DirectoryException {
    SignInStatus status = s.getStatus();
    SignInLocation location = s.getLocation();
    Integer errorCode = status == null ? null : status.getErrorCode();
    return new SignInRecord(GraphDirectory.required(s.getId(), "id", op),
        GraphDirectory.required(s.getCreatedDateTime(), "createdDateTime", op).toInstant(),
        GraphDirectory.text(s.getUserId()), GraphDirectory.text(s.getUserPrincipalName()),
        GraphDirectory.text(s.getAppId()), GraphDirectory.text(s.getAppDisplayName()),
        GraphDirectory.text(s.getServicePrincipalId()), GraphDirectory.text(s.getIpAddress()),
        GraphDirectory.text(location == null ? null : location.getCity()),
        GraphDirectory.text(location == null ? null : location.getCountryOrRegion()),
        GraphDirectory.required(errorCode, "status.errorCode", op),
        GraphDirectory.text(status.getFailureReason()),
        Optional.ofNullable(s.getConditionalAccessStatus()).map(c -> c.getValue()),
        eventTypes(s.getAdditionalData().get("signInEventTypes")), Boolean.TRUE.equals(s.getIsInteractive()));
  }

  /** Beta's {@code signInEventTypes}, which the v1.0 model keeps as untyped additional data. */
  private static List<String> eventTypes(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof UntypedArray a) {
      for (UntypedNode n : a.getValue()) {
        if (n.getValue() instanceof String s && !s.isBlank()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static List<List<String>> chunks(Collection<String> ids) {
    List<String> sorted = new ArrayList<>(new TreeSet<>(Objects.requireNonNull(ids, "ids")));
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i += IDS_PER_QUERY) {
      List<String> chunk = sorted.subList(i, Math.min(sorted.size(), i + IDS_PER_QUERY));
      for (String id : chunk) {
        if (id.isBlank() || id.chars().anyMatch(Character::isISOControl)) {
          throw new IllegalArgumentException("an identity to watch is blank or has control characters: '" + id + "'");
        }
      }
      out.add(chunk);
    }
    return out;
  }
}
