package dev.breakglass.entra.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Makes every error answer Graph's JSON error shape ({@code {"error":{"code","message"}}}) before
 * Kiota reads it. A gateway's HTML 502, an empty 503 or a cut-off error body would otherwise make
 * Kiota fail while parsing, and the status code, which decides what the operator is told, would be
 * lost.
 */
final class ErrorBodyInterceptor implements Interceptor {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType APPLICATION_JSON = MediaType.get("application/json; charset=utf-8");
  private static final long PEEK = 64 * 1024;

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response response = chain.proceed(chain.request());
    if (response.code() < 400) {
      return response;
    }
    ResponseBody body = response.body();
    MediaType type = body == null ? null : body.contentType();
    String text = body == null ? "" : response.peekBody(PEEK).string();
    if (type != null && "json".equals(type.subtype()) && isGraphError(text)) {
      return response;
    }
    ObjectNode error = JSON.createObjectNode();
    ObjectNode inner = error.putObject("error");
    inner.put("code", "nonGraphErrorBody");
    inner.put("message", "HTTP " + response.code() + " with " + (text.isEmpty() ? "no body"
        : (type == null ? "an untyped" : "a " + type.type() + "/" + type.subtype()) + " body that is not Graph's"
            + " JSON error"));
    response.close();
    return response.newBuilder().header("Content-Type", APPLICATION_JSON.toString())
        .body(ResponseBody.create(JSON.writeValueAsBytes(error), APPLICATION_JSON)).build();
  }

  private static boolean isGraphError(String text) {
    try {
      JsonNode node = JSON.readTree(text);
      return node != null && node.path("error").isObject();
    } catch (IOException e) {
      return false;
    }
  }
}
