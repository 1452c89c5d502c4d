/**
 * The audit report: what an auditor reads about a period of custody, gathered from the ledger and
 * written as one self-contained HTML file.
 *
 * <p>Entry point: {@link dev.breakglass.custody.report.AuditReport#gather}, which reads a {@link
 * dev.breakglass.custody.ledger.Ledger} through its public API and decides what is an alarm; then
 * {@link dev.breakglass.custody.report.HtmlReport#render} (or {@link
 * dev.breakglass.custody.report.HtmlReport#writeNew}) turns it into a page that loads nothing from
 * anywhere else. Like the rest of the module it never prints.
 */
package dev.breakglass.custody.report;
