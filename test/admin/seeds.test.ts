import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { backends, useStore } from '../helpers/db.ts';
import { importAndHarvestSeeds } from '../../src/server.ts';
import { defaultSeedsDir } from '../../src/config.ts';
import { getSource, listSources, putSource } from '../../src/store/sources.ts';
import { listRuns } from '../../src/store/runs.ts';

const silent = pino({ level: 'silent' });

describe.each(backends)('seeds at start-up on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('imports every seed source and harvests only the enabled demo', async () => {
    await importAndHarvestSeeds(store.db, defaultSeedsDir, silent);
    const sources = await listSources(store.db);
    expect(sources.length).toBeGreaterThan(20);
    expect(sources.find((s) => s.id === 'demo')!.recordCount).toBe(20);
    const runs = await listRuns(store.db);
    expect(runs.map((r) => r.sourceId)).toEqual(['demo']);
  });

  it('keeps an admin\'s changes to a seeded source across restarts and does not harvest again', async () => {
    await importAndHarvestSeeds(store.db, defaultSeedsDir, silent);
    const geobretagne = (await getSource(store.db, 'geobretagne'))!;
    await putSource(store.db, { ...geobretagne, enabled: true, schedule: '0 4 * * *' });
    await importAndHarvestSeeds(store.db, defaultSeedsDir, silent);
    expect(await getSource(store.db, 'geobretagne')).toMatchObject({ enabled: true, schedule: '0 4 * * *' });
    expect((await listRuns(store.db)).length).toBe(1);
  });
});
