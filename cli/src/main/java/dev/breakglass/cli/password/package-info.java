/** {@code bg password}: nobody-knows passwords for break-glass user accounts. */
package dev.breakglass.cli.password;
