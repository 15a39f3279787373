import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCluster } from '../../src/store/adapters/pglite.ts';
import { openStore } from '../../src/store/db.ts';
import { getSource, putSource } from '../../src/store/sources.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moisson-pglite-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('a new embedded data directory', () => {
  it('gets its cluster from a child process, which the store then opens, migrates and keeps', async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    await createCluster(dir, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);
    const db = await openStore({ dataDir: dir });
    await putSource(db, { id: 's1', type: 'csw', url: 'https://example.org/csw', enabled: true });
    await db.close();
    const again = await openStore({ dataDir: dir });
    expect(await getSource(again, 's1')).toMatchObject({ id: 's1', type: 'csw' });
    await again.close();
  }, 60_000);

  it('says why, and leaves the cluster to be made by the database thread, when the child cannot make it', async () => {
    const file = path.join(tempDir(), 'not-a-directory');
    fs.writeFileSync(file, '');
    const warnings: string[] = [];
    await createCluster(file, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/^creating the PGlite cluster in a child process failed, creating it in the database thread: /)]);
  }, 60_000);
});
