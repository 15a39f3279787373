/** Request/reply with a bench child process over its IPC channel, matched by id. */
import type { ChildProcess } from 'node:child_process';

/**
 * A caller of `child`: each request gets an id, and the promise settles with the child's message carrying it;
 * every pending call fails when the child exits (`what` names it in the error).
 */
export function ipcCaller<Req extends object, Rep extends { id: number }>(child: ChildProcess, what: string): (request: Req) => Promise<Rep> {
  let next = 0;
  const pending = new Map<number, { resolve: (r: Rep) => void; reject: (e: Error) => void }>();
  child.on('message', (m: Rep) => {
    pending.get(m.id)?.resolve(m);
    pending.delete(m.id);
  });
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${what} exited (${signal ?? code})`));
    pending.clear();
  });
  return (request) => new Promise((resolve, reject) => {
    const id = ++next;
    pending.set(id, { resolve, reject });
    child.send({ ...request, id });
  });
}
