/**
 * A real WFS 2.0 upstream for the proxy tests: Debian's MapServer 8 (package `cgi-mapserver`, the `mapserv` CGI
 * program) behind a tiny HTTP→CGI bridge on a free local port, serving a GeoJSON file of points generated here
 * (no network). One request, one `mapserv` process, as a CGI server would run it.
 *
 * MapServer builds the URLs of its documents (capabilities, `next`, schema locations) from the CGI variables,
 * so they name this server: http://127.0.0.1:<port>/cgi-bin/mapserv.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const MAPSERV = '/usr/lib/cgi-bin/mapserv';
export const SCRIPT_NAME = '/cgi-bin/mapserv';

export interface MapServerServer {
  /** http://127.0.0.1:port */
  url: string;
  /** The WFS endpoint: `${url}/cgi-bin/mapserv`. */
  endpoint: string;
  /** Requests received (path and query), for assertions. */
  requests: string[];
  close(): Promise<void>;
}

/** The mapfile: one point layer `communes` (WFS 2.0, every request enabled, paging on). */
function mapfile(geojson: string): string {
  return `MAP
  NAME "moisson_test"
  EXTENT 2.0 49.0 3.0 50.0
  PROJECTION "init=epsg:4326" END
  WEB
    METADATA
      "ows_title" "MapServer test upstream"
      "ows_srs" "EPSG:4326 EPSG:3857"
      "ows_enable_request" "*"
    END
  END
  LAYER
    NAME "communes"
    TYPE POINT
    CONNECTIONTYPE OGR
    CONNECTION "${geojson}"
    METADATA
      "ows_title" "Communes"
      "gml_include_items" "all"
      "gml_featureid" "id"
      "gml_types" "auto"
    END
    PROJECTION "init=epsg:4326" END
    STATUS ON
  END
END
`;
}

function features(n: number): string {
  const list = Array.from({ length: n }, (_, i) => ({
    type: 'Feature', id: i + 1,
    properties: { id: i + 1, nom: `Commune ${i + 1} — Évreux` },
    geometry: { type: 'Point', coordinates: [2 + (i % 10) * 0.1, 49 + Math.floor(i / 10) * 0.1] },
  }));
  return JSON.stringify({ type: 'FeatureCollection', name: 'communes', features: list });
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Runs mapserv for one request (CGI/1.1, RFC 3875) and writes its answer. */
async function cgi(req: IncomingMessage, res: ServerResponse, port: number, config: string): Promise<void> {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  const body = await readAll(req);
  const child = spawn(MAPSERV, [], { env: {
    MAPSERVER_CONFIG_FILE: config, GATEWAY_INTERFACE: 'CGI/1.1', SERVER_PROTOCOL: 'HTTP/1.1', REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.search.slice(1), SCRIPT_NAME, SERVER_NAME: '127.0.0.1', SERVER_PORT: String(port), HTTP_HOST: `127.0.0.1:${port}`,
    CONTENT_TYPE: req.headers['content-type'] ?? '', CONTENT_LENGTH: String(body.length), PATH: process.env.PATH ?? '/usr/bin',
  } });
  child.stdin.end(body);
  const out = await readAll(child.stdout);
  // CGI output: header lines, an empty line, the body.
  const sep = out.indexOf('\r\n\r\n') >= 0 ? out.indexOf('\r\n\r\n') : out.indexOf('\n\n');
  const gap = out[sep] === 0x0d ? 4 : 2;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of out.subarray(0, Math.max(sep, 0)).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  const payload = sep >= 0 ? out.subarray(sep + gap) : out;
  res.writeHead(status, { ...headers, 'content-length': payload.length });
  res.end(payload);
}

/** Starts MapServer behind the CGI bridge, with `count` features in its layer (default 25). */
export async function startMapServer(opts: { count?: number } = {}): Promise<MapServerServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'moisson-mapserver-'));
  const geojson = path.join(dir, 'communes.geojson');
  await writeFile(geojson, features(opts.count ?? 25));
  await writeFile(path.join(dir, 'test.map'), mapfile(geojson));
  const config = path.join(dir, 'mapserver.conf');
  // MapServer 8 reads its configuration file first; MS_MAPFILE names the map when a request has no map= parameter.
  await writeFile(config, `CONFIG\n  ENV\n    MS_MAPFILE "${path.join(dir, 'test.map')}"\n  END\nEND\n`);
  const requests: string[] = [];
  let port = 0;
  const server = createServer((req, res) => {
    requests.push(req.url ?? '/');
    if (!(req.url ?? '').startsWith(SCRIPT_NAME)) {
      res.writeHead(404).end();
      return;
    }
    cgi(req, res, port, config).catch((err) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url, endpoint: `${url}${SCRIPT_NAME}`, requests,
    close: async () => {
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
