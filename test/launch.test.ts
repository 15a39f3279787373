/**
 * How `moisson` starts node (bin/moisson.js, whose first lines sh runs; scripts/launch.mjs): with glibc's malloc
 * tuned through GLIBC_TUNABLES unless it is set already, and the benchmarks start the hub's code with the same
 * environment. glibc ignores a tunable it does not know, silently: its own loader lists what it understood.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript without declarations
import { GLIBC_TUNABLES_DEFAULT, launchEnv } from '../scripts/launch.mjs';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'moisson.js');
const printer = path.join(root, 'test', 'helpers', 'print-glibc-tunables.mjs');

/** What GLIBC_TUNABLES node saw when started by `command args` in `env` (a preload prints it, then exits). */
async function seenByNode(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | null> {
  const { stdout } = await run(command, [...args, 'help'], { env: { ...env, NODE_OPTIONS: `--import ${printer}` }, timeout: 30_000 });
  return (JSON.parse(stdout) as { glibcTunables: string | null }).glibcTunables;
}

const withoutTunables = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.GLIBC_TUNABLES;
  return env;
};

describe('the moisson command', () => {
  it('starts node with glibc\'s malloc tuned when run as a command, the same value the benchmarks use', async () => {
    expect(await seenByNode(bin, [], withoutTunables())).toBe(GLIBC_TUNABLES_DEFAULT);
    expect(launchEnv(withoutTunables()).GLIBC_TUNABLES).toBe(GLIBC_TUNABLES_DEFAULT);
  });

  it('keeps a GLIBC_TUNABLES that is set, even empty', async () => {
    expect(await seenByNode(bin, [], { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' })).toBe('glibc.malloc.arena_max=4');
    // A tunable given in GLIBC_TUNABLES is node's whole setting: nothing of the default is added to it.
    expect(await seenByNode(bin, [], { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=65536' })).toBe('glibc.malloc.trim_threshold=65536');
    expect(await seenByNode(bin, [], { ...process.env, GLIBC_TUNABLES: '' })).toBe('');
    expect(launchEnv({ GLIBC_TUNABLES: '' }).GLIBC_TUNABLES).toBe('');
  });

  it('run by node itself (`node bin/moisson.js`), changes nothing in the environment', async () => {
    expect(await seenByNode(process.execPath, [bin], withoutTunables())).toBeNull();
  });
});

// glibc's dynamic loader lists the tunables as it parsed them from the environment (glibc 2.33 or later).
const loader = ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1'].find((f) => existsSync(f));

describe.runIf(loader)('the tunables as glibc reads them', () => {
  it('are all known to glibc, with the values meant', async () => {
    const { stdout } = await run(loader!, ['--list-tunables'], { env: { GLIBC_TUNABLES: GLIBC_TUNABLES_DEFAULT } });
    const value = (name: string) => new RegExp(`^${name.replace(/\./g, '\\.')}: (\\S+)`, 'm').exec(stdout)?.[1];
    expect(value('glibc.malloc.arena_max')).toBe('0x2');
    // Every name=value in the default is one glibc lists with that value (a misspelt one would be ignored).
    for (const pair of (GLIBC_TUNABLES_DEFAULT as string).split(':')) {
      const [name, v] = pair.split('=');
      expect(Number(value(name))).toBe(Number(v));
    }
  });
});
