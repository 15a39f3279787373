/**
 * Child-process entry of the bench CSW server (csw-server.ts), forked by csw-server-process.ts so that the upstream
 * catalogue's CPU and memory are not counted against the harvester being measured, as on a real network.
 *
 *   node --import tsx bench/lib/csw-server-main.ts <fixtures dir> <N>      (with an IPC channel)
 *
 * Sends { url } once listening, then answers each { id, op: 'stats' | 'touch', k } with { id, requests, maxRss,
 * touched }; exits when the channel closes (parent done or gone). Without an IPC channel it prints its URL and
 * serves until killed (to try it with curl).
 */
import { startBenchCsw } from './csw-server.ts';
import type { ServerReply, ServerRequest } from './csw-server-process.ts';

const [fixtures, n] = process.argv.slice(2);
const send = (message: ServerReply | { url: string }) => process.send?.(message);
const server = await startBenchCsw(fixtures, Number(n));

process.on('message', (m: ServerRequest) => {
  const touched = m.op === 'touch' ? server.touch(m.k ?? 0) : 0;
  const reply: ServerReply = { id: m.id, requests: server.requests, maxRss: process.resourceUsage().maxRSS * 1024, touched };
  send(reply);
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
if (process.send) send({ url: server.url });
else console.log(server.url);
