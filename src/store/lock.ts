/**
 * The exclusive lock on an embedded DATA_DIR: PGlite is single-process, and a second process opening the
 * same directory corrupts it. The lock file DATA_DIR/moisson.lock is created atomically (O_CREAT|O_EXCL)
 * and says who holds it, so a CLI can send its command to the running hub's admin API instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StoreLogger } from './db.ts';

export const LOCK_FILE = 'moisson.lock';

export interface LockInfo {
  pid: number;
  url?: string;
  startedAt: string;
  command: string;
}

export class StoreLockedError extends Error {
  readonly lockFile: string;
  readonly holder: LockInfo;

  constructor(dataDir: string, lockFile: string, holder: LockInfo) {
    const who = [holder.command, holder.url].filter(Boolean).join(', ');
    super(
      `DATA_DIR ${dataDir} is in use by process ${holder.pid} (${who}) — lock file ${lockFile}. ` +
        'Stop that process, use its admin API, or set DATABASE_URL.',
    );
    this.name = 'StoreLockedError';
    this.lockFile = lockFile;
    this.holder = holder;
  }
}

export interface LockHandle {
  readonly lockFile: string;
  release(): void;
}

/** Locks held by this process, by lock file path: a second open in the same process must fail too. */
const held = new Map<string, LockInfo>();

function isMemory(dataDir: string): boolean {
  return dataDir.startsWith('memory://');
}

function lockPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), LOCK_FILE);
}

/** Reads the lock file; undefined when absent, null when unreadable (being written, or truncated). */
function readLockFile(file: string): LockInfo | null | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return Number.isInteger(info.pid) && info.pid > 0 ? info : null;
  } catch {
    return null;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The lock file's content, waiting briefly for a writer that has created it but not yet filled it. */
function readSettled(file: string): LockInfo | null | undefined {
  for (let attempt = 0; ; attempt++) {
    const info = readLockFile(file);
    if (info !== null || attempt === 10) return info;
    sleepSync(20);
  }
}

/**
 * Whether the holder named in a lock is still running. A lock naming this very process but not held by it
 * was left by an earlier process that had the same pid (a container restarting as pid 1): stale.
 * Other pids are only checked for existence: treating a live holder as stale would corrupt the directory,
 * while the reverse only asks the user to remove the file.
 */
export function holderAlive(info: LockInfo): boolean {
  if (info.pid === process.pid) return [...held.values()].some((h) => sameLock(h, info));
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // EPERM: alive, owned by another user
  }
}

function sameLock(a: LockInfo, b: LockInfo): boolean {
  return a.pid === b.pid && a.startedAt === b.startedAt;
}

/** The lock's holder, or null when there is no lock or its holder is dead (a stale lock). */
export function readLock(dataDir: string): LockInfo | null {
  if (isMemory(dataDir)) return null;
  const info = readLockFile(lockPath(dataDir));
  return info && holderAlive(info) ? info : null;
}

/** Records the address `serve` listens on, so other processes can reach its admin API. */
export function setLockUrl(dataDir: string, url: string): void {
  if (isMemory(dataDir)) return; // an in-memory store has no directory to lock
  const file = lockPath(dataDir);
  const mine = held.get(file);
  if (!mine) throw new Error(`This process does not hold the lock ${file}`);
  const info: LockInfo = { ...mine, url };
  // Write then rename: a reader sees the old content or the new, never half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info));
  fs.renameSync(tmp, file);
  held.set(file, info);
}

function defaultCommand(): string {
  return ['moisson', ...process.argv.slice(2)].join(' ');
}

/** Creates the lock file if absent; false when it exists. */
function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, JSON.stringify(info));
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Takes the DATA_DIR lock or throws StoreLockedError naming the holder. A lock whose holder is dead is
 * stale and taken over (logged). Released by `release()` and, failing that, when the process exits.
 */
export function acquireLock(dataDir: string, opts: { command?: string; logger?: StoreLogger } = {}): LockHandle {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = lockPath(dir);
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), command: opts.command ?? defaultCommand() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, info)) return hold(file, info);
    const holder = readSettled(file);
    if (holder && holderAlive(holder)) throw new StoreLockedError(dir, file, holder);
    removeStale(file, holder, opts.logger);
  }
  throw new Error(`Could not take the lock ${file}: it keeps being recreated by another process`);
}

function removeStale(file: string, stale: LockInfo | null | undefined, logger?: StoreLogger): void {
  if (stale === undefined) return; // removed meanwhile: just retry
  const what = !stale
    ? 'its content is unreadable'
    : stale.pid === process.pid
      ? `it names this process's pid ${stale.pid} but was left by an earlier process (${stale.command})`
      : `process ${stale.pid} (${stale.command}) is no longer running`;
  (logger ?? console).warn(`Taking over the stale lock ${file}: ${what}`);
  // Re-read just before removing, so a lock another process has just taken over is left alone.
  const now = readLockFile(file);
  if (now === undefined) return;
  if (stale && now && !sameLock(now, stale)) return;
  fs.rmSync(file, { force: true });
}

function hold(file: string, info: LockInfo): LockHandle {
  held.set(file, info);
  const onExit = (): void => releaseIfMine(file);
  process.on('exit', onExit);
  return {
    lockFile: file,
    release() {
      process.off('exit', onExit);
      releaseIfMine(file);
    },
  };
}

/** Removes the lock file only if it still names this process: never someone else's lock. */
function releaseIfMine(file: string): void {
  const mine = held.get(file);
  if (!mine) return;
  held.delete(file);
  const now = readLockFile(file);
  if (now && sameLock(now, mine)) fs.rmSync(file, { force: true });
}
