package dev.breakglass.custody.ledger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The flat JSON objects stored in an event's details. Streaming Jackson only: it starts fast. */
public final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();

  private Json() {}

  public static JsonFactory factory() {
    return FACTORY;
  }

  /** Writes a flat object; {@code Optional} values are unwrapped and absent ones left out. */
  public static String write(Map<String, ?> fields) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      for (Map.Entry<String, ?> e : fields.entrySet()) {
        Object v = e.getValue() instanceof Optional<?> o ? o.orElse(null) : e.getValue();
        if (v == null) {
          continue;
        }
        g.writeFieldName(e.getKey());
        if (v instanceof Boolean b) {
          g.writeBoolean(b);
        } else if (v instanceof Long || v instanceof Integer) {
          g.writeNumber(((Number) v).longValue());
        } else {
          g.writeString(v.toString());
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Reads a flat object written by {@link #write}; nested values are refused. */
  public static Map<String, Object> read(String json) {
    Map<String, Object> fields = new LinkedHashMap<>();
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("details are not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (t) {
          case VALUE_STRING -> fields.put(name, p.getText());
          case VALUE_NUMBER_INT -> fields.put(name, p.getLongValue());
          case VALUE_TRUE, VALUE_FALSE -> fields.put(name, p.getBooleanValue());
          case VALUE_NULL -> fields.put(name, null);
          default -> throw new IllegalArgumentException("details field '" + name + "' is not a plain value");
        }
      }
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("details have text after the JSON object");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("details are not valid JSON: " + e.getMessage(), e);
    }
    return fields;
  }
}
