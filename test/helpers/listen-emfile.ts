/**
 * A server listening through listenSafely in a process started with few file descriptors (test/http/listen.test.ts):
 * prints its port, then one line per accept error it is told of; answers every request with 'ok'.
 */
import { createServer } from 'node:http';
import { listenSafely } from '../../src/http/listen.ts';

const server = createServer((_req, res) => res.end('ok'));
const address = await listenSafely(server, { port: 0, host: '127.0.0.1', backlog: 511 }, (err) => {
  process.stdout.write(`accept error ${(err as NodeJS.ErrnoException).code ?? err.message}\n`);
});
process.stdout.write(`port ${address.port}\n`);
