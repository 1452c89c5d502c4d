/** {@code bg report}: the audit report, one self-contained HTML file for auditors. */
package dev.breakglass.cli.report;
