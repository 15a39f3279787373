/**
 * bench/tiles' floor: the least a Node.js HTTP server can do for a cached tile on this machine. Plain
 * node:http, no framework, no TypeScript loader: each path of the tile list answered from a Map of buffers
 * with the same headers a hub answers with (type, length, ETag, Cache-Control, CORS). The hub is measured
 * next to it, in the same run, on the same tiles: what the hub adds to node:http is the difference.
 *
 *   node bench/lib/floor-server.mjs <port> <tiles.json>      (tiles.json: { "/path": "<base64 bytes>", … })
 *
 * Prints "listening" on stdout once it accepts connections; exits on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';

const [port, file] = process.argv.slice(2);
const tiles = new Map();
for (const [p, b64] of Object.entries(JSON.parse(readFileSync(file, 'utf8')))) {
  const body = Buffer.from(b64, 'base64');
  tiles.set(p, { body, headers: { 'content-type': 'image/png', 'content-length': String(body.length),
    etag: `"${createHash('sha1').update(body).digest('hex')}"`, 'last-modified': new Date().toUTCString(),
    'cache-control': 'public, max-age=86400', 'access-control-allow-origin': '*' } });
}
const server = http.createServer((req, res) => {
  const tile = tiles.get(req.url);
  if (!tile) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, tile.headers);
  res.end(tile.body);
});
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
// Its open connections closed too: close() alone waits for them, and one left open (a client gone without closing)
// kept a floor running for 50 minutes after its bench, beside the next benches.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
