/**
 * A real local HTTP server for harvester and proxy tests (STYLE.md §18): it answers from a route table and
 * records every request; a request no route expects is answered 599 and kept in `unexpected`, which the test
 * asserts empty, so an unexpected upstream request fails the test.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';

export interface SeenRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

export interface Route {
  method?: string;
  /** Matches the path (without query) exactly, or the whole path+query with a RegExp. */
  path: string | RegExp;
  handler: Handler;
}

export interface TestServer {
  url: string;
  requests: SeenRequest[];
  unexpected: SeenRequest[];
  routes: Route[];
  close(): Promise<void>;
}

/** Answers with a file's bytes, verbatim. */
export function file(path: string, contentType = 'application/xml; charset=utf-8'): Handler {
  const bytes = readFileSync(path);
  return (_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': bytes.length });
    res.end(bytes);
  };
}

/** Answers with a fixed status, headers and body. */
export function reply(status: number, body = '', headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function matches(route: Route, req: SeenRequest): boolean {
  if (route.method && route.method !== req.method) return false;
  if (typeof route.path === 'string') return req.url.split('?')[0] === route.path;
  return route.path.test(req.url);
}

export async function startTestServer(routes: Route[] = []): Promise<TestServer> {
  const state: Omit<TestServer, 'url' | 'close'> = { requests: [], unexpected: [], routes };
  const server: Server = createServer(async (req, res) => {
    const seen: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: await readBody(req), at: Date.now() };
    state.requests.push(seen);
    const route = state.routes.find((r) => matches(r, seen));
    if (!route) {
      state.unexpected.push(seen);
      res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`unexpected request ${seen.method} ${seen.url}`);
      return;
    }
    await route.handler(seen, res);
  });
  // Idle sockets are kept longer than the clients' (got's agent) idle time: with node's 5 s default, a loaded
  // machine lets the server close a socket just as the client reuses it (ECONNRESET on a request never received).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...state,
    url,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
