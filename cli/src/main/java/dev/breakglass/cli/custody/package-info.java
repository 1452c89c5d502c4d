/** {@code bg checkout} and {@code bg checkin}: taking items out of a safe and putting them back. */
package dev.breakglass.cli.custody;
