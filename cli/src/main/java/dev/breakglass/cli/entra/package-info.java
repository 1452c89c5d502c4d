/** Commands that talk to Microsoft Graph: {@code bg posture}, and the shared {@code --graph-url} options. */
package dev.breakglass.cli.entra;
