/**
 * The Microsoft Graph adapter: the v6 Java SDK ({@code GraphServiceClient}) with the kit's own
 * middleware for tokens (renewed after a 401, sent to the configured Graph origin only), throttling
 * (429/503/504 retried as {@code Retry-After} asks, with an injectable sleeper) and error bodies.
 * Graph JSON, paging and throttling stay in this package.
 *
 * <p>Entry points: {@link dev.breakglass.entra.graph.GraphDirectory} (directory reads and writes) and
 * {@link dev.breakglass.entra.graph.GraphSignIns} (beta sign-in log through the v1.0 SDK's request
 * adapter, each page read record by record by {@link dev.breakglass.entra.graph.SignInJson}).
 */
package dev.breakglass.entra.graph;
