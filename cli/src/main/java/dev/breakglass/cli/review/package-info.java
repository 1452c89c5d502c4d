/**
 * {@code bg review}: the periodic review of the whole kit. The command reads the custodians'
 * flags, asks at the terminal for seal numbers not given, runs one key ceremony per key, and prints
 * what {@link dev.breakglass.custody.procedure.KitReview} found and recorded.
 */
package dev.breakglass.cli.review;
