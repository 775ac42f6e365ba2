/**
 * Quire's own headers, one definition for the front that sets them and the routes that read
 * them. The front overwrites any of the request headers a client sends.
 */

/** Request: the client's address as the front determined it (lib/net/client-address.ts). */
export const CLIENT_IP_HEADER = 'x-quire-client-ip';

/** Request: the path and query asked for, so a log-in can send the person back there. */
export const PATH_HEADER = 'x-quire-path';

/**
 * Response: a route handler's download size. Next drops `Content-Length` from route handlers;
 * the front turns this back into it, so browsers show progress and notice a cut-off download.
 */
export const DECLARED_LENGTH_HEADER = 'x-quire-content-length';

/** Response, on blog hosts: `hit` or `miss` in the page cache (absent when it is off). */
export const CACHE_STATE_HEADER = 'x-quire-cache';

/** Response, in a cluster: the node that answered (docs/scale-out.md). */
export const NODE_HEADER = 'x-quire-node';

/** Request, between a cluster's nodes and its `quire cluster` commands: the shared secret. */
export const CLUSTER_SECRET_HEADER = 'x-quire-cluster-secret';
