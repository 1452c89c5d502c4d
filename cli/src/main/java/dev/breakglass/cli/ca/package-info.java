/** {@code bg ca}: the private CA for the break-glass app registration. */
package dev.breakglass.cli.ca;
