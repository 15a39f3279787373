/**
 * More descriptors of the hub's listening socket in the hub's own process, listened on during bursts of new
 * connections (ACCEPT_COPIES, default 128), so that a busy hub still accepts them.
 *
 * Since libuv 1.45 (libuv/libuv#3696, node 20), a listening socket accepts one connection each time the event loop
 * is told it is readable. Under load the loop reports thousands of busy connections in a pass, and the listening
 * socket once: a hub answering thousands of connections accepted 20–40 new ones a second, the rest waiting in the
 * kernel's accept queue (or dropped from it, their SYN retried after 1 s, 3 s…), a load balancer's health check
 * among them. Each copy is a descriptor of its own, reported on its own: K copies accept up to K + 1 connections
 * per pass. Node cannot duplicate a descriptor, but a descriptor sent over IPC arrives as a new one: a short-lived
 * helper process (accept-copy-helper.js) is sent the socket and sends it back K times.
 *
 * Copies cost while the loop watches them: each new connection wakes every copy, and all but one accept() find
 * nothing (one connection at a time: ~0.2 ms of the hub's CPU a connection without copies, ~1.2 ms with 512). So
 * the copies wait on standby, descriptors the event loop does not watch, and are listened on only during a burst:
 * once connections were found waiting at every pass of the event loop for `triggerMs` (an accept in each of at
 * least `triggerPasses` passes in a row). Nothing is watched for that but the connections the hub accepts anyway:
 * one immediate per pass while passes accept. `holdMs` or more after the last pass that found connections waiting,
 * connections that come one by one (`calmRuns` of them) close the copies, and a new set is fetched for the next
 * burst (the event loop cannot stop watching a descriptor without closing it); while no connection comes they cost
 * nothing and keep listening.
 * Copies fetched while the hub is busy arrive one per pass of its event loop (each waits for the hub to acknowledge
 * the one before): each is on standby as it arrives.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('./accept-copy-helper.js', import.meta.url));
/** A fetch fails when the helper sends no copy for this long (one arrives per pass of a busy hub's event loop). */
const FETCH_IDLE_MS = 30_000;

/** ACCEPT_COPIES when not set: the least that held 10,000 connections opened at once in bench/tiles (64 did not). */
export const DEFAULT_ACCEPT_COPIES = 128;

export interface AcceptCopiesOptions {
  /** How many copies (0: none). */
  count: number;
  /** The socket's backlog, as it was set (listening on a copy sets it again). */
  backlog: number;
  /** How long connections must be found waiting at every pass before the copies listen (default 50 ms). */
  triggerMs?: number;
  /** …in at least this many passes in a row (default 3). */
  triggerPasses?: number;
  /**
   * How long after the last pass that found connections waiting the copies may be closed (default 5 s): by the
   * `calmRuns`-th run of passes that accepted without finding connections waiting (default 16; a burst's first
   * connection alone looks like that, and the copies must still listen for the rest of it). Listening copies cost
   * nothing while no connection comes: they keep listening then.
   */
  holdMs?: number;
  calmRuns?: number;
  /** A failed accept on a copy (EMFILE…): the connection is lost, not the hub. */
  onError?: (err: Error) => void;
  /** What happened, for the log. */
  onEvent?: (e: AcceptCopiesEvent) => void;
}

export type AcceptCopiesEvent =
  | { type: 'standby'; copies: number }
  | { type: 'listen'; copies: number; waitedMs: number; passes: number }
  | { type: 'stop'; copies: number; accepted: number; listenedMs: number }
  | { type: 'failed'; err: Error };

export interface AcceptCopiesState {
  /** Copies waiting for a burst. */
  standby: number;
  /** Copies the event loop watches now (during a burst). */
  listening: number;
  /** Bursts so far (times the copies were listened on). */
  bursts: number;
}

export interface AcceptCopies {
  /** How many copies the hub keeps. */
  count: number;
  state(): AcceptCopiesState;
  /** Resolves once the set being fetched is on standby (or its fetch failed); at once if none is being fetched. */
  settled(): Promise<void>;
  /** Closes every copy, on standby or listening (the connections they accepted are the http server's). */
  close(): Promise<void>;
}

type RawHandle = { close(cb?: () => void): void };

/**
 * Keeps `o.count` copies of `server`'s listening socket on standby (fetched in the background: the server answers
 * meanwhile) and listens on them during bursts, each handing what it accepts to `server`.
 */
export function acceptOnBursts(server: Server, o: AcceptCopiesOptions): AcceptCopies {
  const triggerMs = o.triggerMs ?? 50;
  const triggerPasses = o.triggerPasses ?? 3;
  const holdMs = o.holdMs ?? 5000;
  const calmRuns = o.calmRuns ?? 16;
  // What the caller does with an event (a log line, a metric) must not stop the copies, nor reject a fetch.
  const onEvent = (e: AcceptCopiesEvent) => {
    try {
      o.onEvent?.(e);
    } catch { /* the caller's own failure: nothing to undo here */ }
  };
  const standby: RawHandle[] = [];
  const listening: NetServer[] = [];
  let bursts = 0;
  let closed = false;
  let filling: Promise<void> | undefined;
  let refillAfter = false;
  let helper: ChildProcess | undefined;

  const fill = (): void => {
    if (closed || o.count <= 0) return;
    if (filling) {
      refillAfter = true; // copies closed meanwhile: fetch what is missing once this fetch ends
      return;
    }
    const handle = (server as unknown as { _handle?: object })._handle;
    const missing = o.count - standby.length - listening.length;
    if (!handle || missing <= 0) return;
    filling = fetchCopies(handle, missing, (child) => { helper = child; }, (copy) => {
      if (closed) copy.close();
      else if (listening.length > 0) listenOn(copy); // a burst began while this set arrived
      else standby.push(copy);
    })
      .then(() => onEvent({ type: 'standby', copies: standby.length }),
        (err: Error) => { if (!closed) onEvent({ type: 'failed', err }); })
      .finally(() => {
        filling = undefined;
        helper = undefined;
        if (refillAfter && !closed && listening.length === 0) {
          refillAfter = false;
          fill();
        }
      });
  };

  // The burst detector: counts what the server accepts in each pass of the event loop (its poll phase), read in
  // the pass's check phase (setImmediate), and again in the next pass for as long as passes accept.
  let acceptedInPass = 0;
  let accepted = 0;
  let checking = false;
  let streakPasses = 0;
  let streakStart = 0;
  let pressureAt = 0;
  let listenedAt = 0;
  let acceptedBefore = 0;
  let calm = 0;

  const onConnection = () => {
    acceptedInPass += 1;
    accepted += 1;
    if (!checking) {
      checking = true;
      setImmediate(check);
    }
  };
  const check = () => {
    const now = performance.now();
    if (closed || acceptedInPass === 0) {
      checking = false;
      streakPasses = 0;
      // A run of passes that accepted is over: copies not needed for holdMs are closed after calmRuns such runs.
      // Those that listen while no connection comes cost nothing and keep listening (for the next burst).
      if (!closed && listening.length > 0 && now - pressureAt >= holdMs && ++calm >= calmRuns) stop();
      return;
    }
    // With copies listening, more than one connection accepted in a pass: several were waiting.
    if (listening.length > 0 && acceptedInPass > 1) {
      pressureAt = now;
      calm = 0;
    }
    acceptedInPass = 0;
    if (streakPasses++ === 0) streakStart = now;
    if (streakPasses >= triggerPasses && now - streakStart >= triggerMs) {
      pressureAt = now;
      calm = 0;
      if (listening.length === 0) {
        if (standby.length > 0) listen(now - streakStart, streakPasses);
        else fill(); // none fetched yet, or the last fetch failed: for the next burst
      }
    }
    setImmediate(check);
  };

  const listenOn = (h: RawHandle) => {
    const copy = createServer();
    copy.on('connection', (socket: Socket) => server.emit('connection', socket));
    copy.on('error', o.onError ?? (() => {}));
    copy.listen(h, o.backlog);
    listening.push(copy);
  };

  const listen = (waitedMs: number, passes: number) => {
    for (const h of standby.splice(0)) listenOn(h);
    bursts += 1;
    listenedAt = performance.now();
    acceptedBefore = accepted;
    onEvent({ type: 'listen', copies: listening.length, waitedMs: Math.round(waitedMs), passes });
  };

  /** Closes the listening copies (their descriptors at once; the connections they accepted stay open). */
  const closeListening = () => {
    const copies = listening.splice(0);
    // No callback: close() calls it only once the connections this copy accepted are closed, which is not needed
    // here (they are the http server's); the descriptor itself is closed in this pass.
    for (const c of copies) c.close();
    return copies.length;
  };

  const stop = () => {
    const copies = closeListening();
    onEvent({ type: 'stop', copies, accepted: accepted - acceptedBefore, listenedMs: Math.round(performance.now() - listenedAt) });
    fill();
  };

  server.on('connection', onConnection);
  fill();

  return {
    count: o.count,
    state: () => ({ standby: standby.length, listening: listening.length, bursts }),
    settled: async () => { await filling; },
    close: async () => {
      closed = true;
      server.off('connection', onConnection);
      helper?.kill();
      await filling;
      closeListening();
      for (const h of standby.splice(0)) h.close();
      // Descriptors are closed in the closing phase of the pass: the socket listens no more once this resolves.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

/**
 * `count` new descriptors of the listening socket `handle`, from a helper process, each handed to `onCopy` as it
 * arrives; `started` gets the helper. Fails when the helper stops, or sends nothing for FETCH_IDLE_MS.
 */
function fetchCopies(handle: object, count: number, started: (child: ChildProcess) => void, onCopy: (copy: RawHandle) => void): Promise<void> {
  let received = 0;
  const child = fork(HELPER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
  started(child);
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill();
      reject(err);
    };
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new Error(`copies of the listening socket: ${received} of ${count}, then none for ${FETCH_IDLE_MS / 1000} s`)), FETCH_IDLE_MS);
    };
    idle();
    // A bare handle each (net.Native): nothing listens on it until a burst.
    child.on('message', (m: { type?: string }, copy?: RawHandle) => {
      if (m?.type !== 'copy' || !copy || received === count) return;
      received += 1;
      onCopy(copy);
      if (received < count) idle();
      else {
        clearTimeout(timer);
        if (child.exitCode === null) child.kill();
        resolve();
      }
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      if (received < count) fail(new Error(`the helper process exited (${signal ?? code}) after ${received} of ${count} copies of the listening socket`));
    });
    // The bare handle: sent as a net.Server, the helper would listen on it and accept connections it never serves.
    child.send({ type: 'copies', count }, handle as never);
  });
}
