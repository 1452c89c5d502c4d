/** {@code bg safe|custodian|identity|item}: the inventory. */
package dev.breakglass.cli.inventory;
