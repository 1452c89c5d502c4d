/**
 * {@code bg unlock}, {@code bg drill} and {@code bg lock}: the guided emergency procedure on the
 * terminal. The steps and their rules are {@link dev.breakglass.custody.procedure}'s; these
 * classes ask for what is missing, run the key ceremonies and print.
 */
package dev.breakglass.cli.unlock;
