/**
 * More descriptors of the hub's listening socket in the hub's own process (ACCEPT_COPIES), so that a busy hub
 * still accepts new connections.
 *
 * Since libuv 1.45 (libuv/libuv#3696, node 20), a listening socket accepts one connection each time the event loop
 * is told it is readable. Under load every epoll_wait reports 1,024 busy connections, and the listening socket comes
 * up once per pass over all of them: a hub answering thousands of connections accepted 20–40 new ones a second,
 * the rest waiting in the kernel's accept queue (or dropped from it, their SYN retried after 1 s, 3 s…), a load
 * balancer's health check among them. Each copy is a descriptor of its own, reported on its own: K copies accept up
 * to K + 1 connections per pass. Node cannot duplicate a descriptor, but a descriptor sent over IPC arrives as a new
 * one: a short-lived helper process (accept-copy-helper.js) is sent the socket and sends it back K times.
 *
 * The cost: while the hub is idle, each new connection wakes every copy, and all but one accept() find nothing.
 */
import { fork } from 'node:child_process';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('./accept-copy-helper.js', import.meta.url));
const TIMEOUT_MS = 30_000;

export interface AcceptCopies {
  /** How many copies accept connections. */
  count: number;
  /** Stops accepting on the copies (the connections they accepted are the http server's, closed with it). */
  close(): Promise<void>;
}

/** Opens `count` copies of `server`'s listening socket, each handing what it accepts to `server`. */
export async function openAcceptCopies(
  server: Server, count: number, backlog: number, onError: (err: Error) => void = () => {},
): Promise<AcceptCopies> {
  const copies: NetServer[] = [];
  const close = async () => {
    await Promise.all(copies.splice(0).map((c) => new Promise<void>((resolve) => c.close(() => resolve()))));
  };
  if (count <= 0) return { count: 0, close };
  // The bare handle: sent as a net.Server, the helper would listen on it and accept connections it never serves.
  const handle = (server as unknown as { _handle?: object })._handle;
  if (!handle) throw new Error('the hub\'s server does not listen: no socket to copy');
  const helper = fork(HELPER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`copies of the listening socket: ${copies.length} of ${count} after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      helper.on('message', (m: { type?: string }, copy?: object) => {
        if (m?.type !== 'copy' || !copy) return;
        const net = createServer();
        // Listening on the copy sets the socket's backlog again: the hub's, not node's default of 511.
        net.listen(copy, backlog);
        net.on('connection', (socket: Socket) => server.emit('connection', socket));
        // An accept that failed (EMFILE…): the connection is lost, not the hub (an 'error' nobody listens to throws).
        net.on('error', onError);
        copies.push(net);
        if (copies.length === count) {
          clearTimeout(timer);
          resolve();
        }
      });
      helper.once('error', (err) => { clearTimeout(timer); reject(err); });
      helper.once('exit', (code) => {
        if (copies.length < count) { clearTimeout(timer); reject(new Error(`the helper process exited with ${code} after ${copies.length} of ${count} copies`)); }
      });
      helper.send({ type: 'copies', count }, handle as never);
    });
  } catch (err) {
    await close();
    throw err;
  } finally {
    if (helper.exitCode === null) helper.kill();
  }
  return { count: copies.length, close };
}
