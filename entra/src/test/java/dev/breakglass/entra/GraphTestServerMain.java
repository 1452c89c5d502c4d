package dev.breakglass.entra;

/** Runs the Graph test server on the contoso fixtures until killed, printing its URL: for benchmarks by hand. */
public final class GraphTestServerMain {
  private GraphTestServerMain() {}

  public static void main(String[] args) throws Exception {
    GraphTestServer server = GraphTestServer.start(args.length > 0 ? args[0] : GraphTestServer.CONTOSO);
    System.out.println(server.url());
    System.out.flush();
    Thread.currentThread().join();
  }
}
