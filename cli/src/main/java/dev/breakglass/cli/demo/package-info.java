/** {@code bg demo}: a whole custody cycle in a throw-away home. */
package dev.breakglass.cli.demo;
