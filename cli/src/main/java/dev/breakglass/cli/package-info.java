/**
 * The {@code bg} command line: picocli commands only, one class a command, one package a group.
 *
 * <p>Entry point: {@link dev.breakglass.cli.Bg}. A command parses its options, builds a request,
 * calls one library method and prints the result; custody rules live in the custody module. Only
 * this module reads the environment, prints, and turns exceptions into exit codes ({@link
 * dev.breakglass.cli.ExitCodes}).
 */
package dev.breakglass.cli;
