/**
 * A load generator for the benches: wrk (Debian package `wrk`, C, epoll), run as a child process, so that the
 * clients cost the machine a fraction of what the same load from Node's fetch in the bench's own process does
 * (on 2 cores the JS clients took the CPU the server needed, and the figures measured the client).
 *
 *   const f = await runWrk({ url: 'http://127.0.0.1:8080', connections: 32, threads: 2, seconds: 10,
 *     headers: { 'accept-encoding': 'gzip' }, luaPaths: ['/a?x=1', '/a?x=2'] });
 *   // → { requests, rps, p50, p95, p99, errors } (latencies in ms)
 *
 * Every run gets a generated Lua script (a temp file) whose `done()` prints the figures as one JSON line:
 * wrk's own text summary rounds and has no p95. Without `luaPaths`, every request is GET `url`; with them,
 * requests take the paths in turn (each thread starting at its own offset), so that a caller can send pages or
 * records in an order it chose. The paths are written as their common prefix plus the varying tails, one string
 * split at start-up: a list of 50,000 URLs stays a few hundred KB, and no LuaJIT constant limit is hit.
 *
 * `errors` counts answers with a status ≥ 400 (wrk's own count: a Lua `response()` hook would see 3xx too, but
 * it makes wrk pass every response to Lua, which took more CPU than the hub spends on a cached tile) plus
 * socket errors (connect, read, write) and timeouts. `timeoutSeconds` (default 10) is set well above the
 * latencies measured: wrk drops a timed-out request from the latency figures, which would flatter p99.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface WrkOptions {
  /** Scheme, host and port, and the path of every request when `luaPaths` is not given. */
  url: string;
  connections: number;
  threads: number;
  seconds: number;
  headers?: Record<string, string>;
  /** Request paths (with their query), sent in turn; absolute paths on `url`'s host. */
  luaPaths?: string[];
  timeoutSeconds?: number;
}

export interface WrkFigures {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** What `errors` is made of: statuses ≥ 400, then wrk's socket errors and timeouts. */
  errorKinds: { status: number; connect: number; read: number; write: number; timeout: number };
}

/** `errors` as text, with its kinds when there are any: "0", or "20 (connect 20)". */
export function errorsText(f: WrkFigures): string {
  const kinds = Object.entries(f.errorKinds).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  return kinds.length ? `${f.errors} (${kinds.join(', ')})` : String(f.errors);
}

const MARK = 'WRK-JSON ';

/** wrk's version line (for a bench's header), or an error saying how to install wrk. */
export async function wrkVersion(): Promise<string> {
  // `wrk --version` prints its banner and usage, and exits 1.
  const out = await new Promise<string>((resolve, reject) => {
    execFile('wrk', ['--version'], (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('wrk is not installed (Debian/Ubuntu: sudo apt-get install wrk)'));
      } else resolve(stdout);
    });
  });
  return out.split('\n')[0].replace(/\s*Copyright.*$/, '').trim();
}

const luaString = (s: string) => JSON.stringify(s); // JSON escapes are valid Lua escapes for these strings.

function commonPrefix(paths: string[]): string {
  let prefix = paths[0];
  for (const p of paths) while (!p.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** The Lua script: optionally cycles through paths, prints JSON in done() (errors: statuses ≥ 400 and socket errors). */
export function wrkScript(threads: number, luaPaths?: string[]): string {
  // No response() callback: with one, wrk hands every response to Lua, which costs the load generator more CPU
  // than the hub spends answering a cached tile; wrk counts statuses ≥ 400 itself (summary.errors.status).
  const lines = [
    'local threads = {}',
    'function setup(thread) thread:set("slot", #threads); table.insert(threads, thread) end',
  ];
  if (luaPaths?.length) {
    const prefix = commonPrefix(luaPaths);
    const tails = luaPaths.map((p) => p.slice(prefix.length));
    if (tails.some((t) => t.includes('\n'))) throw new Error('runWrk: a path holds a newline');
    lines.push(
      `local prefix = ${luaString(prefix)}`,
      `local packed = ${luaString(tails.join('\n') + '\n')}`,
      // Requests formatted once per thread, in init(): request() only hands the next one out.
      'local requests, i = {}, 1',
      'function init()',
      '  for t in packed:gmatch("([^\\n]*)\\n") do requests[#requests + 1] = wrk.format(nil, prefix .. t) end',
      `  i = math.floor((slot or 0) * #requests / ${threads}) + 1`,
      'end',
      'function request()',
      '  local r = requests[i]; i = i % #requests + 1',
      '  return r',
      'end',
    );
  }
  lines.push(
    'function done(summary, latency)',
    '  local e = summary.errors',
    '  io.write(string.format(',
    `    '${MARK}{"requests":%d,"rps":%.3f,"p50":%.3f,"p95":%.3f,"p99":%.3f,"errors":%d,` +
      `"errorKinds":{"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}}\\n',`,
    '    summary.requests, summary.requests / (summary.duration / 1e6),',
    '    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,',
    '    e.status + e.connect + e.read + e.write + e.timeout, e.status, e.connect, e.read, e.write, e.timeout))',
    'end',
  );
  return lines.join('\n') + '\n';
}

/** Runs wrk once with the given load; resolves with its figures, rejects with wrk's stderr when it fails. */
export async function runWrk(o: WrkOptions): Promise<WrkFigures> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'moisson-wrk-'));
  try {
    const script = path.join(dir, 'run.lua');
    await writeFile(script, wrkScript(o.threads, o.luaPaths));
    const args = ['-c', String(o.connections), '-t', String(o.threads), '-d', `${o.seconds}s`,
      '--timeout', `${o.timeoutSeconds ?? 10}s`, '-s', script];
    for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
    args.push(o.url);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, out, stderr) => {
        if (err) reject(new Error(`wrk ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(out);
      });
    });
    const line = stdout.split('\n').find((l) => l.startsWith(MARK));
    if (!line) throw new Error(`wrk printed no figures:\n${stdout}`);
    return JSON.parse(line.slice(MARK.length)) as WrkFigures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
