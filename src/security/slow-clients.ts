/**
 * How long a client may take (Fastify's and Node's HTTP server options, main.ts). Fastify's own
 * defaults wait forever for a request's headers and body, so a client sending a byte every few
 * seconds would hold a connection (and its memory) as long as it liked; Gateways stream bodies
 * through, so the edge does not stop it either.
 */
export const SLOW_CLIENT_LIMITS = {
  /** Headers and body must have arrived 30 s after the request started, or it gets a 408. */
  requestTimeout: 30_000,
  /** An idle kept-alive connection closes after 72 s: longer than the usual proxies' 60 s idle timeout, so they close first. */
  keepAliveTimeout: 72_000,
  http: {
    headersTimeout: 30_000,
    /**
     * Node looks for requests past their timeout only this often (30 s by default, which would let
     * a slow request live for up to 60 s): every 2 s, a slow request is cut off 30-32 s after it began.
     */
    connectionsCheckingInterval: 2_000,
  },
};
