/** {@code bg export}: the break-glass inventory in other tools' formats. */
package dev.breakglass.cli.export;
