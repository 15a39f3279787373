/**
 * Listening without dying of a failed accept. Node reports an error of accept() (EMFILE when the process has used
 * up its descriptors, ENFILE for the machine's, ENOBUFS…) as an 'error' event of the server; an 'error' event
 * nobody listens to is thrown, and ends the process. listen()'s own error listener (the port taken) is removed once
 * it listens, and a lasting one reports accept errors instead: the connection that failed is lost (libuv closes
 * pending ones while descriptors are short), the process goes on serving the connections it holds.
 */
import type { AddressInfo, Server } from 'node:net';

/** A port (and host) to listen on, or a listening socket handed over by another process (the fronts). */
export type ListenTarget = { port: number; host?: string; backlog: number } | { handle: object; backlog: number };

/**
 * Listens; resolves with the address once listening, rejects when it cannot listen (the port taken, an address not
 * of this machine). From then on, every error the server emits goes to `onAcceptError`.
 */
export function listenSafely(server: Server, target: ListenTarget, onAcceptError: (err: Error) => void): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const listening = () => {
      server.off('error', reject);
      server.on('error', onAcceptError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', reject);
    if ('handle' in target) server.listen(target.handle, target.backlog, listening);
    else server.listen({ port: target.port, host: target.host, backlog: target.backlog }, listening);
  });
}
