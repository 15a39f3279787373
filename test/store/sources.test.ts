import { describe, expect, it } from 'vitest';
import { pendingOutbox } from '../../src/store/outbox.ts';
import { getRecord, upsertRecord, withdrawUnseen } from '../../src/store/records.ts';
import { finishRun, getRun, startRun, zeroCounts } from '../../src/store/runs.ts';
import { deleteSource, getSource, listSources, putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { counts, input } from './sample.ts';

const csw: SourceDef = {
  id: 'geo-ide',
  type: 'csw',
  url: 'https://catalogue.geo-ide.developpement-durable.gouv.fr/catalogue/srv/fre/csw',
  title: 'Géo-IDE',
  enabled: true,
  schedule: '0 3 * * *',
  options: { pageSize: 50, constraints: ['type=dataset'] },
};

describe.each(backends)('sources on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('creates then updates a source, keeping options as JSON', async () => {
    expect(await putSource(store.db, csw)).toBe('created');
    expect(await getSource(store.db, csw.id)).toEqual(csw);
    expect(await putSource(store.db, { ...csw, enabled: false, title: undefined, schedule: null })).toBe('updated');
    const got = await getSource(store.db, csw.id);
    expect(got).toEqual({ id: csw.id, type: 'csw', url: csw.url, enabled: false, schedule: null, options: csw.options });
    expect(got).not.toHaveProperty('title');
  });

  it('returns null for an unknown source', async () => {
    expect(await getSource(store.db, 'nope')).toBeNull();
  });

  it('lists sources with their visible record count and latest run', async () => {
    await putSource(store.db, csw);
    await putSource(store.db, { id: 'dcat', type: 'dcat', url: 'https://www.data.gouv.fr/catalog', enabled: true });
    const t0 = new Date('2024-01-01T00:00:00Z');
    for (const n of ['a', 'b', 'c']) await upsertRecord(store.db, input(csw.id, n, `<${n}/>`, { at: n === 'c' ? t0 : new Date() }));
    await withdrawUnseen(store.db, csw.id, new Date('2024-06-01T00:00:00Z'));
    await startRun(store.db, csw.id);
    const last = await startRun(store.db, csw.id);
    await finishRun(store.db, last, { status: 'succeeded', counts: { ...zeroCounts(), seen: 3 }, complete: true });
    const list = await listSources(store.db);
    expect(list.map((s) => [s.id, s.recordCount])).toEqual([['dcat', 0], ['geo-ide', 2]]);
    expect(list[0].lastRun).toBeUndefined();
    expect(list[1].lastRun).toMatchObject({ id: last, status: 'succeeded', counts: { seen: 3 } });
  });

  it('deletes a source with its records, history and runs, queueing outbox deletes in the same transaction', async () => {
    await putSource(store.db, csw);
    await putSource(store.db, { id: 'other', type: 'dcat', url: 'https://example.org', enabled: true });
    const a = await upsertRecord(store.db, input(csw.id, 'a', '<a/>'));
    const b = await upsertRecord(store.db, input(csw.id, 'b', '<b/>'));
    const kept = await upsertRecord(store.db, input('other', 'k', '<k/>'));
    const run = await startRun(store.db, csw.id);
    expect(await deleteSource(store.db, csw.id)).toBe(true);
    expect(await getSource(store.db, csw.id)).toBeNull();
    expect(await getRecord(store.db, a.id)).toBeNull();
    expect(await getRun(store.db, run)).toBeNull();
    expect(await getRecord(store.db, kept.id)).not.toBeNull();
    const deletes = (await pendingOutbox(store.db, 10)).filter((o) => o.op === 'delete');
    expect(deletes.map((o) => o.recordId).sort()).toEqual([a.id, b.id].sort());
    expect(await counts(store.db)).toEqual({ records: 1, history: 1, outbox: 5 });
  });

  it('reports false when deleting an unknown source, and queues nothing', async () => {
    expect(await deleteSource(store.db, 'nope')).toBe(false);
    expect(await pendingOutbox(store.db, 10)).toEqual([]);
  });
});
