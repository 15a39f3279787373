/**
 * What the hub process and its front processes (FRONT_PROCESSES) say to each other over their IPC channel.
 * Types only: both sides import it, neither loads anything through it.
 */

/** The hub to a new front, with the hub's listening socket as the message's handle. */
export interface FrontInit {
  type: 'init';
  /** The Unix socket on which the hub process answers relayed requests. */
  relaySocket: string;
  /** How long a tile held by the front is answered without asking the hub again (the hub's own admission cache). */
  freshMs: number;
  /** Memory for the tiles a front holds, in bytes. */
  memoryBytes: number;
  /** Larger tiles are relayed every time, never held. */
  maxEntryBytes: number;
  /** The upper bounds of the hub's request duration histogram, in seconds. */
  bounds: number[];
  /** How often a front sends what it counted. */
  statsEveryMs: number;
  /** The listening socket's backlog, as the hub set it (listening on it again sets it again). */
  backlog: number;
  /** HEAP_GROWING_PERCENT, as the hub process applies it (src/heap.ts; 0: V8's rule). */
  heapGrowingPercent: number;
}

export type ToFront =
  | FrontInit
  /** Drop every tile held: a service changed (an admin's change in the hub process). */
  | { type: 'forget' }
  /** Stop accepting, finish the requests in progress, send the last counts, exit. */
  | { type: 'close' };

/**
 * What a front answered itself since its last report (relayed requests are counted by the hub process):
 * requests by method and status, durations by method (per bucket, not cumulative, then their sum in seconds),
 * and proxy usage by service, layer and status (requests, then response bytes).
 */
export interface FrontStats {
  type: 'stats';
  http: [method: string, status: number, requests: number][];
  durations: [method: string, buckets: number[], sum: number][];
  usage: [service: string, layer: string, status: number, requests: number, bytes: number][];
}

export type FromFront =
  /**
   * The front listens for messages: only then may the listening socket be sent. Node accepts on a socket it
   * receives at once, into a server of its own; before the front handles `message`, connections accepted there
   * would wait forever.
   */
  | { type: 'hello' }
  /** The front accepts connections; `heap`: the memory settings it runs with (src/heap.ts, heapSettings). */
  | { type: 'ready'; heap: string }
  | FrontStats
  /** Something the hub should log (throttled by the front). */
  | { type: 'warn'; message: string };
