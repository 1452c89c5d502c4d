package dev.breakglass.cli.inventory;

import dev.breakglass.custody.ledger.ItemKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Item kinds by their ledger names ({@code fido2-key}, …). */
public final class ItemKindConverter implements ITypeConverter<ItemKind> {
  @Override
  public ItemKind convert(String value) {
    return ItemKind.fromWireName(value).orElseThrow(() ->
        new TypeConversionException("unknown item kind '" + value + "'; use one of: " + ItemKind.names()));
  }
}
