/**
 * Usage counting of a relayed body: the bytes really sent, counted once when the body ends or is cut short.
 */
import { Readable, Transform } from 'node:stream';

/** The body with `done(bytes)` called once, when it has been sent or given up. */
export function countOnClose(body: Readable | Buffer | null, done: (bytes: number) => void): Readable | Buffer | null {
  if (body === null || Buffer.isBuffer(body)) {
    done(body?.length ?? 0);
    return body;
  }
  let bytes = 0;
  let counted = false;
  const once = () => {
    if (!counted) {
      counted = true;
      done(bytes);
    }
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  body.on('error', (err) => counter.destroy(err));
  counter.once('close', () => {
    if (!body.destroyed) body.destroy();
    once();
  });
  return body.pipe(counter);
}
