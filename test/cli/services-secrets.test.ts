/**
 * `moisson services show` never prints an upstream header value, and `moisson services add --from` with a
 * definition saved from `show` keeps the stored values. In process (the commands' own code, on the store
 * directly, where the definition is not redacted yet) on every backend, then once as a real process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { backends, useStore } from '../helpers/db.ts';
import { localOps, type HubOps } from '../../src/admin/ops.ts';
import { servicesCommands } from '../../src/cli/services.ts';
import { getService } from '../../src/store/services.ts';

const SECRET = 'sk-live-cli-7d31a0';
const keyed = { protocol: 'wms', url: 'https://data.example.org/wms', upstreamHeaders: { 'X-Api-Key': SECRET } };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-cli-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The definition printed by `services show` (the JSON before the usage lines). */
const shownDefinition = (stdout: string) => JSON.parse(stdout.slice(0, stdout.indexOf('\n}') + 2)) as Record<string, unknown>;

describe.each(backends)('moisson services show and add on the store ($name)', (backend) => {
  const store = useStore(backend, import.meta.url);

  async function moisson(...args: string[]): Promise<string> {
    const printed: string[] = [];
    const program = new Command('moisson').exitOverride();
    servicesCommands(program, (fn: (ops: HubOps) => Promise<void>) => fn(localOps(store.db)), (s) => printed.push(s));
    await program.parseAsync(args, { from: 'user' });
    return printed.join('\n');
  }

  it('shows the header names with "***", never their values', async () => {
    writeFileSync(path.join(dir, 'keyed.json'), JSON.stringify(keyed));
    await moisson('services', 'add', 'keyed', '--from', path.join(dir, 'keyed.json'));
    const shown = await moisson('services', 'show', 'keyed');
    expect(shown).not.toContain(SECRET);
    expect(shownDefinition(shown).upstreamHeaders).toEqual({ 'X-Api-Key': '***' });
  });

  it('keeps the stored value when the shown definition is edited and added back, refuses "***" with nothing to keep', async () => {
    writeFileSync(path.join(dir, 'keyed.json'), JSON.stringify(keyed));
    await moisson('services', 'add', 'keyed', '--from', path.join(dir, 'keyed.json'));
    const shown = shownDefinition(await moisson('services', 'show', 'keyed'));
    writeFileSync(path.join(dir, 'edited.json'), JSON.stringify({ ...shown, title: 'Edited' }));
    await moisson('services', 'add', 'keyed', '--from', path.join(dir, 'edited.json'));
    expect(await getService(store.db, 'keyed')).toMatchObject({ title: 'Edited', upstreamHeaders: { 'X-Api-Key': SECRET } });

    writeFileSync(path.join(dir, 'unknown.json'), JSON.stringify({ ...shown, upstreamHeaders: { 'X-Unknown': '***' } }));
    await expect(moisson('services', 'add', 'keyed', '--from', path.join(dir, 'unknown.json'))).rejects.toMatchObject({
      code: 'invalid_service', message: expect.stringContaining("upstreamHeaders.X-Unknown: '***' keeps a stored value, but service keyed has none") });
    expect((await getService(store.db, 'keyed'))!.upstreamHeaders).toEqual({ 'X-Api-Key': SECRET });
  });
});

describe('moisson services show as a process on an embedded DATA_DIR', () => {
  const run = (args: string[], dataDir: string) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    for (const name of ['DATABASE_URL', 'BASE_URL', 'ADMIN_TOKEN']) delete env[name];
    const child = spawn(process.execPath, [path.join(root, 'bin', 'moisson.js'), ...args], { env, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`moisson ${args.join(' ')} timed out\n${stderr}`)); }, 90_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });

  it('prints "***" for the upstream header value', { timeout: 240_000 }, async () => {
    const dataDir = path.join(dir, 'data');
    writeFileSync(path.join(dir, 'process.json'), JSON.stringify(keyed));
    const add = await run(['services', 'add', 'keyed', '--from', path.join(dir, 'process.json')], dataDir);
    expect(add.code, add.stderr).toBe(0);
    const show = await run(['services', 'show', 'keyed'], dataDir);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout + show.stderr).not.toContain(SECRET);
    expect(shownDefinition(show.stdout).upstreamHeaders).toEqual({ 'X-Api-Key': '***' });
  });
});
