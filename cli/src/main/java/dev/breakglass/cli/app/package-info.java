/** {@code bg app}: our certificates on the break-glass app registration. */
package dev.breakglass.cli.app;
