package dev.breakglass.cli.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.AssertionResult;
import com.yubico.webauthn.CredentialRepository;
import com.yubico.webauthn.FinishAssertionOptions;
import com.yubico.webauthn.FinishRegistrationOptions;
import com.yubico.webauthn.RegisteredCredential;
import com.yubico.webauthn.RegistrationResult;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.StartAssertionOptions;
import com.yubico.webauthn.StartRegistrationOptions;
import com.yubico.webauthn.data.AttestationConveyancePreference;
import com.yubico.webauthn.data.AuthenticatorAssertionResponse;
import com.yubico.webauthn.data.AuthenticatorAttestationResponse;
import com.yubico.webauthn.data.AuthenticatorDataFlags;
import com.yubico.webauthn.data.AuthenticatorSelectionCriteria;
import com.yubico.webauthn.data.AuthenticatorTransport;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.ClientAssertionExtensionOutputs;
import com.yubico.webauthn.data.ClientRegistrationExtensionOutputs;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.ResidentKeyRequirement;
import com.yubico.webauthn.data.UserIdentity;
import com.yubico.webauthn.data.UserVerificationRequirement;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * A WebAuthn registration and two assertions, made by Chromium's virtual security key on a page
 * served from loopback and verified by webauthn-server-core: the path a custodian's browser takes.
 */
class HeadlessChromiumIT {
  private static final String USERNAME = "alice";
  private static final ByteArray USER_HANDLE = new ByteArray(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

  /**
   * Buttons start a ceremony; {@code window.ceremony} settles when its outcome (the server's
   * answer, or "error: ...") is in #result. The options and responses cross as WebAuthn's JSON
   * forms (parse*OptionsFromJSON, PublicKeyCredential.toJSON), which webauthn-server-core emits
   * and reads directly.
   */
  private static final String PAGE =
      """
      <!doctype html>
      <html><head><meta charset="utf-8"><title>bg WebAuthn</title>
      <link rel="icon" href="data:,"><!-- no /favicon.ico request, so no 404 in the console -->
      </head>
      <body>
      <button id="start">Register security key</button>
      <button id="login">Sign in</button>
      <pre id="result"></pre>
      <script>
      async function post(path, body) {
        const r = await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                     body: body === undefined ? '' : JSON.stringify(body)});
        const text = await r.text();
        if (!r.ok) throw new Error(path + ': HTTP ' + r.status + ': ' + text);
        return text;
      }
      async function register() {
        const options = JSON.parse(await post('/registration/options'));
        const credential = await navigator.credentials.create(
            {publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey)});
        return post('/registration/finish', credential.toJSON());
      }
      async function authenticate() {
        const options = JSON.parse(await post('/assertion/options'));
        const credential = await navigator.credentials.get(
            {publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey)});
        return post('/assertion/finish', credential.toJSON());
      }
      function run(ceremony) {
        const result = document.getElementById('result');
        result.textContent = '';
        window.ceremony = ceremony().then(t => { result.textContent = t; },
                                          e => { result.textContent = 'error: ' + e; });
      }
      document.getElementById('start').onclick = () => run(register);
      document.getElementById('login').onclick = () => run(authenticate);
      </script>
      </body></html>
      """;

  private HttpServer server;
  private RelyingParty rp;
  private final Credentials credentials = new Credentials();
  private PublicKeyCredentialCreationOptions pendingRegistration;
  private AssertionRequest pendingAssertion;
  private PublicKeyCredential<AuthenticatorAttestationResponse, ClientRegistrationExtensionOutputs>
      registrationResponse;
  private RegistrationResult registration;
  private final List<
          PublicKeyCredential<AuthenticatorAssertionResponse, ClientAssertionExtensionOutputs>>
      assertionResponses = new ArrayList<>();
  private final List<AssertionResult> assertions = new ArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    // The JDK server otherwise waits ~40 ms per response for Nagle's algorithm.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String origin = "http://localhost:" + server.getAddress().getPort();
    rp =
        RelyingParty.builder()
            .identity(RelyingPartyIdentity.builder().id("localhost").name("BreakGlass Kit").build())
            .credentialRepository(credentials)
            .origins(Set.of(origin))
            .attestationConveyancePreference(AttestationConveyancePreference.DIRECT)
            .build();
    server.createContext("/", this::serve);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  @Test
  void virtualSecurityKey_registersThenSignsInTwiceAgainstTheRelyingParty() throws Exception {
    long t0 = System.nanoTime();
    try (HeadlessChromium chromium = new HeadlessChromium()) {
      long t1 = System.nanoTime();
      chromium.addSecurityKey(true);
      WebDriver driver = chromium.driver();
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
      driver.get("http://localhost:" + server.getAddress().getPort() + "/");
      assertEquals(
          Boolean.TRUE,
          ((JavascriptExecutor) driver)
              .executeScript(
                  "return typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'"
                      + " && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function'"
                      + " && typeof PublicKeyCredential.prototype.toJSON === 'function'"),
          "this Chromium lacks WebAuthn's JSON helpers (parse*OptionsFromJSON, toJSON)");

      long t2 = System.nanoTime();
      String registered = ceremony(driver, "start");
      long t3 = System.nanoTime();
      String first = ceremony(driver, "login");
      String second = ceremony(driver, "login");
      long t4 = System.nanoTime();

      assertTrue(registered.startsWith("registered "), registered);
      assertTrue(first.startsWith("signed in "), first);
      assertTrue(second.startsWith("signed in "), second);
      assertTrue(registration.isUserVerified(), "UV flag on registration");
      assertEquals(2, assertions.size());
      for (AssertionResult a : assertions) {
        assertTrue(a.isSuccess() && a.isUserVerified() && a.isSignatureCounterValid(), a::toString);
        assertEquals(registration.getKeyId().getId(), a.getCredential().getCredentialId());
      }
      assertEquals(List.of(), chromium.consoleErrors());

      System.out.printf(
          "HeadlessChromiumIT: browser start %d ms, registration %d ms, two assertions %d ms%n",
          millis(t0, t1), millis(t2, t3), millis(t3, t4));
      System.out.println(findings());
    }
  }

  /** Clicks the button and returns what the page wrote into #result once the ceremony settled. */
  private static String ceremony(WebDriver driver, String button) {
    driver.findElement(By.id(button)).click();
    ((JavascriptExecutor) driver)
        .executeAsyncScript(
            "const done = arguments[arguments.length - 1]; window.ceremony.then(() => done());");
    return driver.findElement(By.id("result")).getText();
  }

  /**
   * What the virtual key produced, for the log: these facts are Chromium's, not asserted.
   * webauthn-server-core marks BE, BS and authenticatorAttachment deprecated as experimental
   * (WebAuthn Level 3); reading them is the point here.
   */
  @SuppressWarnings("deprecation")
  private String findings() throws Exception {
    AuthenticatorAttestationResponse r = registrationResponse.getResponse();
    List<String> x5c =
        registration.getAttestationTrustPath().orElse(List.of()).stream()
            .map(HeadlessChromiumIT::describe)
            .toList();
    StringBuilder s = new StringBuilder("Chromium virtual authenticator:\n");
    s.append("  attestation fmt=").append(r.getAttestation().getFormat())
        .append(" type=").append(registration.getAttestationType())
        .append(" trusted=").append(registration.isAttestationTrusted())
        .append(" x5c=").append(x5c).append('\n');
    s.append("  aaguid=").append(uuid(registration.getAaguid()))
        .append(" key=").append(describe(registration.getParsedPublicKey()))
        .append(" credentialId=").append(registration.getKeyId().getId().size()).append(" bytes\n");
    s.append("  transports=").append(transports(r.getTransports()))
        .append(" attachment=").append(registration.getAuthenticatorAttachment())
        .append(" discoverable(credProps)=").append(registration.isDiscoverable()).append('\n');
    s.append("  registration: counter=").append(registration.getSignatureCount())
        .append(' ').append(flags(r.getParsedAuthenticatorData().getFlags(),
            registration.isBackupEligible(), registration.isBackedUp())).append('\n');
    for (int i = 0; i < assertions.size(); i++) {
      AssertionResult a = assertions.get(i);
      s.append("  assertion ").append(i + 1).append(": counter=").append(a.getSignatureCount())
          .append(' ')
          .append(flags(assertionResponses.get(i).getResponse().getParsedAuthenticatorData()
              .getFlags(), a.isBackupEligible(), a.isBackedUp()))
          .append('\n');
    }
    return s.toString();
  }

  private static String flags(AuthenticatorDataFlags f, boolean be, boolean bs) {
    return "UP=" + f.UP + " UV=" + f.UV + " BE=" + be + " BS=" + bs + " AT=" + f.AT + " ED=" + f.ED;
  }

  private static String transports(Set<AuthenticatorTransport> ts) {
    return ts.stream()
        .map(AuthenticatorTransport::getId)
        .collect(Collectors.joining(",", "[", "]"));
  }

  private static String describe(X509Certificate c) {
    return "subject=\"" + c.getSubjectX500Principal() + "\" issuer=\"" + c.getIssuerX500Principal()
        + "\" key=" + c.getPublicKey().getAlgorithm();
  }

  private static String describe(PublicKey k) {
    return k instanceof ECPublicKey ec ? "EC " + ec.getParams() : k.getAlgorithm();
  }

  private static String uuid(ByteArray aaguid) {
    if (aaguid.size() != 16) {
      return HexFormat.of().formatHex(aaguid.getBytes());
    }
    ByteBuffer b = ByteBuffer.wrap(aaguid.getBytes());
    return new UUID(b.getLong(), b.getLong()).toString();
  }

  private static long millis(long from, long to) {
    return Duration.ofNanos(to - from).toMillis();
  }

  // --- the relying party's side ----------------------------------------------------------------

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = ex.getRequestURI().getPath();
      int status = 200;
      String type = "application/json";
      String answer;
      try {
        switch (path) {
          case "/" -> {
            type = "text/html; charset=utf-8";
            answer = PAGE;
          }
          case "/registration/options" -> answer = startRegistration();
          case "/registration/finish" -> answer = finishRegistration(body);
          case "/assertion/options" -> answer = startAssertion();
          case "/assertion/finish" -> answer = finishAssertion(body);
          default -> {
            status = 404;
            answer = "no such page: " + path;
          }
        }
      } catch (Exception e) {
        status = 400;
        answer = e.toString();
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, bytes.length);
      ex.getResponseBody().write(bytes);
    }
  }

  private synchronized String startRegistration() throws IOException {
    pendingRegistration =
        rp.startRegistration(
            StartRegistrationOptions.builder()
                .user(
                    UserIdentity.builder()
                        .name(USERNAME)
                        .displayName("Alice Custodian")
                        .id(USER_HANDLE)
                        .build())
                .authenticatorSelection(
                    AuthenticatorSelectionCriteria.builder()
                        .residentKey(ResidentKeyRequirement.DISCOURAGED)
                        .userVerification(UserVerificationRequirement.REQUIRED)
                        .build())
                .build());
    return pendingRegistration.toCredentialsCreateJson();
  }

  private synchronized String finishRegistration(String json) throws Exception {
    registrationResponse = PublicKeyCredential.parseRegistrationResponseJson(json);
    registration =
        rp.finishRegistration(
            FinishRegistrationOptions.builder()
                .request(pendingRegistration)
                .response(registrationResponse)
                .build());
    credentials.add(
        RegisteredCredential.builder()
            .credentialId(registration.getKeyId().getId())
            .userHandle(USER_HANDLE)
            .publicKeyCose(registration.getPublicKeyCose())
            .signatureCount(registration.getSignatureCount())
            .build(),
        registration.getKeyId());
    return "registered " + registration.getKeyId().getId().getBase64Url();
  }

  private synchronized String startAssertion() throws IOException {
    pendingAssertion =
        rp.startAssertion(
            StartAssertionOptions.builder()
                .username(USERNAME)
                .userVerification(UserVerificationRequirement.REQUIRED)
                .build());
    return pendingAssertion.toCredentialsGetJson();
  }

  private synchronized String finishAssertion(String json) throws Exception {
    PublicKeyCredential<AuthenticatorAssertionResponse, ClientAssertionExtensionOutputs> response =
        PublicKeyCredential.parseAssertionResponseJson(json);
    AssertionResult result =
        rp.finishAssertion(
            FinishAssertionOptions.builder().request(pendingAssertion).response(response).build());
    if (!result.isSuccess()) {
      throw new IllegalStateException("assertion not verified: " + result);
    }
    assertionResponses.add(response);
    assertions.add(result);
    credentials.updateSignatureCount(result.getSignatureCount());
    return "signed in " + result.getUsername() + " counter " + result.getSignatureCount();
  }

  /** One user, one credential: enough for the ceremonies above. */
  private static final class Credentials implements CredentialRepository {
    private RegisteredCredential credential;
    private PublicKeyCredentialDescriptor descriptor;

    synchronized void add(RegisteredCredential c, PublicKeyCredentialDescriptor d) {
      credential = c;
      descriptor = d;
    }

    synchronized void updateSignatureCount(long count) {
      credential = credential.toBuilder().signatureCount(count).build();
    }

    @Override
    public synchronized Set<PublicKeyCredentialDescriptor> getCredentialIdsForUsername(
        String username) {
      return USERNAME.equals(username) && descriptor != null ? Set.of(descriptor) : Set.of();
    }

    @Override
    public Optional<ByteArray> getUserHandleForUsername(String username) {
      return USERNAME.equals(username) ? Optional.of(USER_HANDLE) : Optional.empty();
    }

    @Override
    public Optional<String> getUsernameForUserHandle(ByteArray userHandle) {
      return USER_HANDLE.equals(userHandle) ? Optional.of(USERNAME) : Optional.empty();
    }

    @Override
    public synchronized Optional<RegisteredCredential> lookup(
        ByteArray credentialId, ByteArray userHandle) {
      return lookupAll(credentialId).stream()
          .filter(c -> c.getUserHandle().equals(userHandle))
          .findFirst();
    }

    @Override
    public synchronized Set<RegisteredCredential> lookupAll(ByteArray credentialId) {
      return credential != null && credential.getCredentialId().equals(credentialId)
          ? Set.of(credential)
          : Set.of();
    }
  }
}
