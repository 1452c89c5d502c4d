/**
 * Alert sinks: generic JSON webhook (HMAC-signed), Microsoft Teams and Slack incoming webhooks,
 * SMTP to an external relay, syslog (RFC 5424) and a local command. {@link
 * dev.breakglass.daemon.sink.Sinks} builds them from the daemon's config.
 */
package dev.breakglass.daemon.sink;
