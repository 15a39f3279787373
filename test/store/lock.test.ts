import { migrations } from '../../src/store/migrations.ts';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../src/store/db.ts';
import { acquireLock, readLock, setLockUrl, StoreLockedError, type LockInfo } from '../../src/store/lock.ts';
import { putSource, getSource } from '../../src/store/sources.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const tmpDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moisson-lock-'));
  tmpDirs.push(dir);
  return dir;
}

/** The pid of a process that has exited: a lock naming it is stale. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

function writeLock(dir: string, info: LockInfo | string): string {
  const file = path.join(dir, 'moisson.lock');
  fs.writeFileSync(file, typeof info === 'string' ? info : JSON.stringify(info));
  return file;
}

/** Runs `node --import tsx -e code` in the project root; resolves with its exit code and output. */
async function node(code: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the DATA_DIR lock file', () => {
  const logs: string[] = [];
  const logger = { warn: (msg: string) => logs.push(msg) };
  afterEach(() => {
    logs.length = 0;
  });

  it('is created with the holder pid, start time and command, and removed on release', () => {
    const dir = tempDir();
    const lock = acquireLock(dir, { command: 'moisson serve' });
    const info = JSON.parse(fs.readFileSync(lock.lockFile, 'utf8'));
    expect(info).toEqual({ pid: process.pid, startedAt: expect.any(String), command: 'moisson serve' });
    expect(readLock(dir)).toEqual(info);
    lock.release();
    expect(fs.existsSync(lock.lockFile)).toBe(false);
    expect(readLock(dir)).toBeNull();
  });

  it('refuses a second holder in the same process, naming the lock file, pid, command and url', () => {
    const dir = tempDir();
    const lock = acquireLock(dir, { command: 'moisson serve' });
    setLockUrl(dir, 'http://127.0.0.1:8080');
    try {
      const err = (() => {
        try {
          acquireLock(dir, { command: 'moisson harvest --all' });
        } catch (e) {
          return e;
        }
      })() as StoreLockedError;
      expect(err).toBeInstanceOf(StoreLockedError);
      expect(err.message).toBe(
        `DATA_DIR ${dir} is in use by process ${process.pid} (moisson serve, http://127.0.0.1:8080) — lock file ` +
          `${lock.lockFile}. Stop that process, use its admin API, or set DATABASE_URL.`,
      );
      expect(err.lockFile).toBe(lock.lockFile);
      expect(err.holder).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:8080', command: 'moisson serve' });
      expect(readLock(dir)!.url).toBe('http://127.0.0.1:8080');
    } finally {
      lock.release();
    }
  });

  it('takes over a stale lock whose process is dead, and says so', () => {
    const dir = tempDir();
    const pid = deadPid();
    writeLock(dir, { pid, startedAt: '2024-01-01T00:00:00.000Z', command: 'moisson serve' });
    expect(readLock(dir)).toBeNull();
    const lock = acquireLock(dir, { command: 'moisson check', logger });
    expect(readLock(dir)).toMatchObject({ pid: process.pid, command: 'moisson check' });
    expect(logs).toEqual([expect.stringContaining(`stale lock ${lock.lockFile}: process ${pid} (moisson serve) is no longer running`)]);
    lock.release();
  });

  it('takes over a lock naming this very pid that this process does not hold (a restarted container)', () => {
    const dir = tempDir();
    writeLock(dir, { pid: process.pid, startedAt: '2024-01-01T00:00:00.000Z', command: 'moisson serve' });
    const lock = acquireLock(dir, { logger });
    expect(logs).toHaveLength(1);
    lock.release();
  });

  it('takes over a lock file left empty by a crash between create and write', () => {
    const dir = tempDir();
    writeLock(dir, '');
    const lock = acquireLock(dir, { logger });
    expect(logs).toEqual([expect.stringContaining('unreadable')]);
    lock.release();
  });

  it('refuses setLockUrl from a process that does not hold the lock', () => {
    expect(() => setLockUrl(tempDir(), 'http://x')).toThrow(/does not hold/);
  });

  it('is released when the holding process exits without closing', async () => {
    const dir = tempDir();
    const r = await node(
      `import('./src/store/lock.ts').then((m) => { m.acquireLock(${JSON.stringify(dir)}, { command: 'child' }); ` +
        `console.log(require('node:fs').existsSync(${JSON.stringify(path.join(dir, 'moisson.lock'))})); process.exit(0); })`,
    );
    expect(r.stdout.trim()).toBe('true');
    expect(fs.existsSync(path.join(dir, 'moisson.lock'))).toBe(false);
  });
});

describe('openStore on an on-disk DATA_DIR', () => {
  let dir: string;
  let db: Db;
  beforeAll(async () => {
    dir = tempDir();
    db = await openStore({ dataDir: dir, command: 'moisson serve' });
    await putSource(db, { id: 'kept', type: 'csw', url: 'https://example.org/csw', enabled: true });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('refuses a second open in the same process at once, before touching PGlite', async () => {
    const started = Date.now();
    const err = await openStore({ dataDir: dir }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(500);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as Error).message).toContain(`lock file ${path.join(dir, 'moisson.lock')}`);
    expect((err as Error).message).toContain(`process ${process.pid} (moisson serve)`);
  });

  it('refuses another process the same way', async () => {
    const r = await node(
      `import('./src/store/db.ts').then((m) => m.openStore({ dataDir: ${JSON.stringify(dir)} })).then(` +
        `() => { console.log('OPENED'); process.exit(0); }, ` +
        `(e) => { console.log(JSON.stringify({ name: e.name, message: e.message, lockFile: e.lockFile })); process.exit(3); })`,
    );
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout.trim());
    expect(out).toMatchObject({ name: 'StoreLockedError', lockFile: path.join(dir, 'moisson.lock') });
    expect(out.message).toContain(`in use by process ${process.pid} (moisson serve)`);
    expect(out.message).toContain('set DATABASE_URL');
  });

  it('releases the lock on close; re-opening finds the data and applies no migration twice', async () => {
    await db.close();
    expect(fs.existsSync(path.join(dir, 'moisson.lock'))).toBe(false);
    db = await openStore({ dataDir: dir });
    expect(await getSource(db, 'kept')).toMatchObject({ id: 'kept' });
    const r = await db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    expect(r.rows[0].n).toBe(migrations.length);
  });

  it('opens over a stale lock left by a dead process', async () => {
    const other = tempDir();
    writeLock(other, { pid: deadPid(), startedAt: '2024-01-01T00:00:00.000Z', command: 'moisson serve' });
    const logs: string[] = [];
    const second = await openStore({ dataDir: other, logger: { warn: (m) => logs.push(m) } });
    try {
      expect(logs).toEqual([expect.stringContaining('Taking over the stale lock')]);
      expect(readLock(other)!.pid).toBe(process.pid);
    } finally {
      await second.close();
    }
    // A new cluster (made by a child process), then opened and migrated: seconds, more on a loaded machine.
  }, 60_000);
});
