package dev.breakglass.entra.graph;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.kiota.RequestInformation;
import com.microsoft.kiota.serialization.Parsable;
import com.microsoft.kiota.serialization.ParsableFactory;
import dev.breakglass.custody.directory.DirectoryException;
import dev.breakglass.entra.SignInBatch;
import dev.breakglass.entra.SignInSource;
import dev.breakglass.entra.graph.GraphCalls.Op;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Sign-ins from Graph's <b>beta</b> {@code /auditLogs/signIns}, sent through the v1.0 SDK with
 * {@code withUrl}: only beta has {@code signInEventTypes}, without which Graph returns interactive
 * sign-ins alone (no non-interactive and no service-principal ones). Why not the beta SDK: see the
 * module README.
 *
 * <p>Per call: one query for the users (interactive and non-interactive) and one for the apps'
 * service principals, each filtered at Graph by identity and time, at most {@value #IDS_PER_QUERY}
 * identities a query.
 *
 * <p><b>Pages are read raw, not through the SDK's model.</b> The request goes through the SDK's
 * request adapter (so the kit's middleware, Graph's error mapping and {@link GraphCalls} apply as to
 * every other call), but the body comes back as a stream that {@link SignInJson} reads record by
 * record. Kiota reads a page in one piece: one record whose {@code createdDateTime} is not a date
 * (or is a number or an object), or whose {@code status.errorCode} is not a number, throws a Gson
 * {@code JsonSyntaxException} for the whole page, and every other sign-in on it would be lost with
 * it. Where Kiota does not throw it is lenient in ways a watcher cannot afford: an {@code errorCode}
 * of 4294967296 wraps round to 0 (a success), a {@code userPrincipalName} that is an object becomes
 * null, an item that is not an object becomes an empty sign-in ({@code SignInJsonTest} and the module
 * README record the probe). Reading raw only when Kiota throws would fetch such a page twice and
 * still keep Kiota's lenient readings of the others, so every page is read raw, once: the simplest
 * way that is right for every page. A page that is not JSON at all still fails the call ({@code
 * BAD_RESPONSE}), as does one over 64 MiB (Graph's pages hold at most 1,000 sign-ins, a few MB).
 */
public final class GraphSignIns implements SignInSource {
  static final int IDS_PER_QUERY = 10;
  static final String PERMISSION = "AuditLog.Read.All and Directory.Read.All";
  static final long MAX_PAGE_BYTES = 64L * 1024 * 1024;

  private static final ObjectMapper PAGE = JsonMapper.builder(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(MAX_PAGE_BYTES).build()).build())
      .build();
  /** As the generated request builders map errors: every 4xx and 5xx body is Graph's error. */
  private static final HashMap<String, ParsableFactory<? extends Parsable>> ERRORS = new HashMap<>();

  static {
    ERRORS.put("XXX", ODataError::createFromDiscriminatorValue);
  }

  private final GraphServiceClient graph;
  private final String betaRoot;

  public GraphSignIns(GraphServiceClient graph) {
    this.graph = Objects.requireNonNull(graph, "graph");
    String base = graph.getRequestAdapter().getBaseUrl();
    this.betaRoot = (base.endsWith("/v1.0") ? base.substring(0, base.length() - "/v1.0".length()) : base) + "/beta";
  }

  @Override
  public SignInBatch signIns(Set<String> userIds, Set<String> servicePrincipalAppIds, Instant from, Instant to)
      throws DirectoryException {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("'to' (" + to + ") is before 'from' (" + from + ")");
    }
    String time = "createdDateTime ge " + OData.floor(from) + " and createdDateTime le " + OData.ceil(to);
    SignInJson read = new SignInJson();
    for (List<String> chunk : chunks(userIds)) {
      List<String> terms = new ArrayList<>();
      for (String u : chunk) {
        terms.add(u.contains("@") ? "userPrincipalName eq " + OData.quote(u.toLowerCase(Locale.ROOT))
            : "userId eq " + OData.quote(u.toLowerCase(Locale.ROOT))); // the log holds ids in lower case
      }
      query(time + " and (" + String.join(" or ", terms) + ") and signInEventTypes/any(t: t eq 'interactiveUser'"
          + " or t eq 'nonInteractiveUser')", "users' sign-ins", read);
    }
    for (List<String> chunk : chunks(servicePrincipalAppIds)) {
      List<String> terms = new ArrayList<>();
      for (String a : chunk) {
        terms.add("appId eq " + OData.quote(a.toLowerCase(Locale.ROOT)));
      }
      query(time + " and (" + String.join(" or ", terms) + ") and signInEventTypes/any(t: t eq 'servicePrincipal')",
          "service principals' sign-ins", read);
    }
    return read.batch();
  }

  private void query(String filter, String what, SignInJson into) throws DirectoryException {
    String url = betaRoot + "/auditLogs/signIns?$filter="
        + URLEncoder.encode(filter, StandardCharsets.UTF_8).replace("+", "%20");
    Op op = new Op("GET /beta/auditLogs/signIns (" + what + " from " + filter.substring("createdDateTime ge ".length(),
        filter.indexOf(" and ")) + ")", PERMISSION);
    List<JsonNode> items = GraphCalls.all(op, () -> page(url), this::page, GraphSignIns::value,
        p -> p.hasNonNull("@odata.nextLink") ? p.get("@odata.nextLink").asText() : null);
    items.forEach(into::add);
  }

  /** One page as JSON; null for an empty body. I/O and JSON errors leave as UncheckedIOException. */
  private JsonNode page(String url) {
    RequestInformation request = graph.auditLogs().signIns().withUrl(url).toGetRequestInformation();
    try (InputStream body = graph.getRequestAdapter().sendPrimitive(request, ERRORS, InputStream.class)) {
      if (body == null) {
        return null;
      }
      JsonNode page = PAGE.readTree(body);
      return page == null || page.isMissingNode() ? null : page;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The page's items; null (a bad response) when it has no {@code value} list. */
  private static List<JsonNode> value(JsonNode page) {
    JsonNode value = page.get("value");
    if (value == null || !value.isArray()) {
      return null;
    }
    List<JsonNode> out = new ArrayList<>(value.size());
    value.forEach(out::add);
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
