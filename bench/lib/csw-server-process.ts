/**
 * The bench CSW server (csw-server.ts) in a child process: a real upstream catalogue is another machine, so its
 * CPU and memory must not count against the harvester's records/s and peak RSS. The child
 * (csw-server-main.ts) is forked with tsx, talks over IPC, and is killed on close() or when this process exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipcCaller } from './ipc.ts';

export interface ServerRequest {
  id: number;
  op: 'stats' | 'touch';
  k?: number;
}

export interface ServerReply {
  id: number;
  /** Requests answered so far. */
  requests: number;
  /** Peak RSS of the server process, bytes. */
  maxRss: number;
  /** Records touched by this request. */
  touched: number;
}

export interface RemoteBenchCsw {
  url: string;
  stats(): Promise<ServerReply>;
  /** Marks k records spread over the catalogue as modified now (new dateStamp); resolves to how many. */
  touch(k: number): Promise<number>;
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

export async function forkBenchCsw(fixtures: string, n: number): Promise<RemoteBenchCsw> {
  // cwd: the repository, where `--import tsx` resolves.
  const child = fork(path.join(here, 'csw-server-main.ts'), [fixtures, String(n)], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => child.kill();
  process.once('exit', kill);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await ready(child);
    const call = ipcCaller<Omit<ServerRequest, 'id'>, ServerReply>(child, 'bench CSW server');
    return {
      url,
      stats: () => call({ op: 'stats' }),
      touch: async (k) => (await call({ op: 'touch', k })).touched,
      close: async () => {
        process.off('exit', kill);
        kill();
        await exited;
      },
    };
  } catch (e) {
    process.off('exit', kill);
    kill();
    throw e;
  }
}

/** The URL the child sends once listening; rejects if it exits first. */
function ready(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code, signal) => reject(new Error(`bench CSW server exited before listening (${signal ?? code})`)));
    child.once('error', reject);
  });
}
