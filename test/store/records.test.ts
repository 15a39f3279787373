import { describe, expect, it } from 'vitest';
import { ackOutbox, outboxLag, pendingOutbox } from '../../src/store/outbox.ts';
import {
  getHistory, getOriginal, getPreviousVersions, getRecord, listRecords, purgeWithdrawn, recordId, scanRecords,
  storedHashes, touchRecords, upsertRecord, withdrawUnseen,
} from '../../src/store/records.ts';
import { upsertRecords } from '../../src/store/records-batch.ts';
import { recordText } from '../../src/store/record-text.ts';
import { backends, useStore } from '../helpers/db.ts';
import { addSource, counts, input, sampleRecord } from './sample.ts';

describe('recordId', () => {
  it('is a deterministic UUID with the name-based v5 layout', () => {
    const id = recordId('geo-ide', 'abc-123');
    expect(id).toBe(recordId('geo-ide', 'abc-123'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('separates source and native id, so concatenations do not collide', () => {
    expect(recordId('a', 'bc')).not.toBe(recordId('ab', 'c'));
    expect(recordId('geo-ide', 'x')).not.toBe(recordId('datagouv', 'x'));
  });
});

describe.each(backends)('records on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  const t0 = new Date('2024-01-01T00:00:00Z');
  const t1 = new Date('2024-02-01T00:00:00Z');
  const t2 = new Date('2024-03-01T00:00:00Z');

  describe('upsertRecord', () => {
    it('inserts a new record with its history row and an outbox upsert', async () => {
      await addSource(store.db, 's1');
      const out = await upsertRecord(store.db, input('s1', 'n1', '<a/>', { at: t0 }));
      expect(out).toEqual({ id: recordId('s1', 'n1'), outcome: 'new' });
      const rec = await getRecord(store.db, out.id);
      expect(rec).toMatchObject({ sourceId: 's1', nativeId: 'n1', mediaType: 'application/xml', withdrawnAt: null });
      expect(rec!.record.title).toBe('Record n1');
      expect(rec!.firstSeen.getTime()).toBe(t0.getTime());
      expect((await getHistory(store.db, out.id)).map((h) => h.change)).toEqual(['new']);
      expect(await pendingOutbox(store.db, 10)).toEqual([{ id: 1, recordId: out.id, op: 'upsert' }]);
    });

    it('fills the denormalised columns from the record', async () => {
      await addSource(store.db, 's1');
      const { id } = await upsertRecord(store.db, input('s1', 'n1', '<a/>'));
      const r = await store.db.query('SELECT identifier, hierarchy_level, title FROM records WHERE id = $1', [id]);
      expect(r.rows[0]).toEqual({ identifier: 'n1', hierarchy_level: 'dataset', title: 'Record n1' });
    });

    it('stores a record given as its JSON text (RecordText, as a harvest gives it) as it stores the record', async () => {
      await addSource(store.db, 's1');
      const record = sampleRecord({ identifier: 'n1', title: 'Record n1', resourceIdentifiers: [{ code: 'FR-1', codeSpace: 'https://example.org/' }] });
      await upsertRecord(store.db, { ...input('s1', 'n1', '<a/>'), record });
      await upsertRecord(store.db, { ...input('s1', 'n2', '<b/>'), record: recordText({ ...record, identifier: 'n2' }) });
      const batched = { ...input('s1', 'n3', '<c/>'), record: recordText({ ...record, identifier: 'n3' }) };
      await upsertRecords(store.db, [batched]);
      const r = await store.db.query<{ native_id: string; identifier: string; hierarchy_level: string; title: string; record: { identifier: string } }>(
        'SELECT native_id, identifier, hierarchy_level, title, record FROM records ORDER BY native_id',
      );
      expect(r.rows.map((row) => row.identifier)).toEqual(['n1', 'n2', 'n3']);
      for (const row of r.rows) {
        expect({ ...row.record, identifier: 'n1' }).toEqual(JSON.parse(JSON.stringify(record)));
        expect([row.hierarchy_level, row.title]).toEqual([record.hierarchyLevel, record.title]);
      }
      const keys = await store.db.query<{ n: number }>('SELECT count(DISTINCT record_id)::int AS n FROM record_identity');
      expect(keys.rows[0].n).toBe(3);
    });

    it('writes nothing at all when the content hash is unchanged', async () => {
      await addSource(store.db, 's1');
      const { id } = await upsertRecord(store.db, input('s1', 'n1', '<a/>', { at: t0 }));
      const before = await counts(store.db);
      const out = await upsertRecord(store.db, input('s1', 'n1', '<a/>', { at: t1 }));
      expect(out.outcome).toBe('unchanged');
      expect(await counts(store.db)).toEqual(before);
      const rec = await getRecord(store.db, id);
      expect(rec!.lastSeen.getTime()).toBe(t0.getTime()); // not even last_seen: touchRecords does that
      expect(rec!.lastChanged.getTime()).toBe(t0.getTime());
    });

    it('keeps the previous version in the history when the content changes', async () => {
      await addSource(store.db, 's1');
      const { id } = await upsertRecord(store.db, input('s1', 'n1', '<v1/>', { at: t0, runId: undefined }));
      const v2 = input('s1', 'n1', '<v2/>', { at: t1 });
      v2.record.title = 'Renamed';
      expect((await upsertRecord(store.db, v2)).outcome).toBe('changed');
      const rec = await getRecord(store.db, id);
      expect(rec!.record.title).toBe('Renamed');
      expect(rec!.firstSeen.getTime()).toBe(t0.getTime());
      expect(rec!.lastChanged.getTime()).toBe(t1.getTime());
      expect((await getOriginal(store.db, id))!.bytes.toString()).toBe('<v2/>');
      const history = await getHistory(store.db, id);
      expect(history.map((h) => [h.change, h.contentHash])).toEqual([['new', input('s1', 'n1', '<v1/>').contentHash], ['changed', v2.contentHash]]);
      const previous = await getPreviousVersions(store.db, id);
      expect(previous).toHaveLength(1);
      expect(previous[0].original.toString()).toBe('<v1/>');
      expect(previous[0].record.title).toBe('Record n1');
      expect((await pendingOutbox(store.db, 10)).map((o) => o.op)).toEqual(['upsert', 'upsert']);
    });

    it('restores a withdrawn record seen again, as a change', async () => {
      await addSource(store.db, 's1');
      const { id } = await upsertRecord(store.db, input('s1', 'n1', '<a/>', { at: t0 }));
      expect(await withdrawUnseen(store.db, 's1', t1, { at: t1 })).toBe(1);
      expect((await getRecord(store.db, id))!.withdrawnAt!.getTime()).toBe(t1.getTime());
      const out = await upsertRecord(store.db, input('s1', 'n1', '<a/>', { at: t2 }));
      expect(out.outcome).toBe('changed');
      expect((await getRecord(store.db, id))!.withdrawnAt).toBeNull();
      expect((await getHistory(store.db, id)).map((h) => h.change)).toEqual(['new', 'withdrawn', 'restored']);
      expect((await pendingOutbox(store.db, 10)).map((o) => o.op)).toEqual(['upsert', 'delete', 'upsert']);
    });

    it('records the run that made each change', async () => {
      await addSource(store.db, 's1');
      const run = await store.db.query<{ id: number }>(
        `INSERT INTO harvest_runs (source_id, status, counts) VALUES ('s1', 'running', '{}') RETURNING id`,
      );
      const { id } = await upsertRecord(store.db, input('s1', 'n1', '<a/>', { runId: run.rows[0].id }));
      expect((await getHistory(store.db, id))[0].runId).toBe(run.rows[0].id);
    });

    it('writes the outbox row in the same transaction: a failed transaction leaves neither', async () => {
      await addSource(store.db, 's1');
      await expect(
        store.db.tx(async (t) => {
          await upsertRecord(t, input('s1', 'n1', '<a/>'));
          throw new Error('abort after the upsert');
        }),
      ).rejects.toThrow('abort');
      expect(await counts(store.db)).toEqual({ records: 0, history: 0, outbox: 0 });
    });

    it('leaves nothing behind when the record cannot be written (unknown source)', async () => {
      await expect(upsertRecord(store.db, input('nowhere', 'n1', '<a/>'))).rejects.toThrow();
      expect(await counts(store.db)).toEqual({ records: 0, history: 0, outbox: 0 });
    });

    it('keeps the original bytes verbatim: BOM, Latin-1 and NUL bytes round-trip byte-identical', async () => {
      await addSource(store.db, 's1');
      const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>Écully, Orléans ß</t>', 'latin1');
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), latin1, Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a])]);
      const { id } = await upsertRecord(store.db, input('s1', 'n1', bytes, { mediaType: 'application/xml; charset=ISO-8859-1' }));
      const got = await getOriginal(store.db, id);
      expect(Buffer.isBuffer(got!.bytes)).toBe(true);
      expect(got!.bytes.equals(bytes)).toBe(true);
      expect(got!.mediaType).toBe('application/xml; charset=ISO-8859-1');
    });
  });

  describe('touching, hashes and withdrawal', () => {
    it('touchRecords moves last_seen only', async () => {
      await addSource(store.db, 's1');
      const { id } = await upsertRecord(store.db, input('s1', 'n1', '<a/>', { at: t0 }));
      const before = await counts(store.db);
      await touchRecords(store.db, 's1', ['n1', 'unknown'], t1);
      const rec = await getRecord(store.db, id);
      expect([rec!.lastSeen.getTime(), rec!.lastChanged.getTime()]).toEqual([t1.getTime(), t0.getTime()]);
      expect(await counts(store.db)).toEqual(before);
    });

    it('storedHashes lists the visible records of a source', async () => {
      await addSource(store.db, 's1');
      const a = input('s1', 'a', '<a/>', { at: t0 });
      await upsertRecord(store.db, a);
      await upsertRecord(store.db, input('s1', 'b', '<b/>', { at: t2 }));
      await withdrawUnseen(store.db, 's1', t1);
      expect(await storedHashes(store.db, 's1')).toEqual(new Map([['b', input('s1', 'b', '<b/>').contentHash]]));
      expect(await storedHashes(store.db, 's1', ['a', 'zz'])).toEqual(new Map());
    });

    it('withdrawUnseen hides records not seen since the run started and queues deletes; purge removes them', async () => {
      await addSource(store.db, 's1');
      await addSource(store.db, 's2');
      const gone = await upsertRecord(store.db, input('s1', 'gone', '<a/>', { at: t0 }));
      await upsertRecord(store.db, input('s1', 'kept', '<b/>', { at: t0 }));
      await upsertRecord(store.db, input('s2', 'other', '<c/>', { at: t0 }));
      await touchRecords(store.db, 's1', ['kept'], t2);
      await ackOutbox(store.db, (await pendingOutbox(store.db, 10)).map((o) => o.id));
      expect(await withdrawUnseen(store.db, 's1', t1, { at: t2 })).toBe(1);
      expect(await pendingOutbox(store.db, 10)).toEqual([expect.objectContaining({ recordId: gone.id, op: 'delete' })]);
      expect((await listRecords(store.db, { limit: 10, offset: 0 })).total).toBe(2);
      expect(await withdrawUnseen(store.db, 's1', t1, { at: t2 })).toBe(0); // already withdrawn
      expect(await purgeWithdrawn(store.db, t1)).toBe(0); // still within its grace period
      expect(await purgeWithdrawn(store.db, new Date('2025-01-01T00:00:00Z'))).toBe(1);
      expect(await getRecord(store.db, gone.id)).toBeNull();
      expect(await getHistory(store.db, gone.id)).toEqual([]);
    });
  });

  describe('listing', () => {
    async function seed(): Promise<string[]> {
      await addSource(store.db, 's1');
      await addSource(store.db, 's2');
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await upsertRecord(store.db, input('s1', `n${i}`, `<r${i}/>`, { at: t0 }))).id);
      for (let i = 0; i < 3; i++) ids.push((await upsertRecord(store.db, input('s2', `m${i}`, `<q${i}/>`, { at: t2 }))).id);
      return ids;
    }

    it('pages in id order with an exact total', async () => {
      const ids = (await seed()).sort();
      const p1 = await listRecords(store.db, { limit: 4, offset: 0 });
      const p3 = await listRecords(store.db, { limit: 4, offset: 8 });
      expect(p1.total).toBe(10);
      expect(p1.rows.map((r) => r.id)).toEqual(ids.slice(0, 4));
      expect(p3.rows.map((r) => r.id)).toEqual(ids.slice(8));
      expect((await listRecords(store.db, { limit: 4, offset: 40 })).rows).toEqual([]);
      expect(p1.rows[0]).toEqual({ id: ids[0], title: expect.stringMatching(/^Record /), sourceId: expect.any(String), type: 'dataset' });
    });

    it('filters by source and leaves withdrawn records out unless asked', async () => {
      await seed();
      await withdrawUnseen(store.db, 's1', t1); // all of s1's 7
      expect((await listRecords(store.db, { sourceId: 's1', limit: 5, offset: 0 })).total).toBe(0);
      const all = await listRecords(store.db, { sourceId: 's1', limit: 5, offset: 0, includeWithdrawn: true });
      expect([all.total, all.rows.length]).toEqual([7, 5]);
      const s2 = await listRecords(store.db, { sourceId: 's2', limit: 5, offset: 0 });
      expect(s2.total).toBe(3);
      expect(s2.rows.every((r) => r.sourceId === 's2')).toBe(true);
    });

    it('scanRecords pages by keyset', async () => {
      const ids = (await seed()).sort();
      const first = await scanRecords(store.db, { limit: 6 });
      const rest = await scanRecords(store.db, { limit: 6, after: first.at(-1)!.id });
      expect([...first, ...rest].map((r) => r.id)).toEqual(ids);
      expect(rest[0].record.title).toMatch(/^Record /);
    });
  });

  describe('outbox', () => {
    it('drains in order, acknowledges by id and reports its lag', async () => {
      await addSource(store.db, 's1');
      for (const n of ['a', 'b', 'c']) await upsertRecord(store.db, input('s1', n, `<${n}/>`));
      expect(await outboxLag(store.db)).toBe(3);
      const batch = await pendingOutbox(store.db, 2);
      expect(batch.map((o) => o.recordId)).toEqual([recordId('s1', 'a'), recordId('s1', 'b')]);
      await ackOutbox(store.db, batch.map((o) => o.id));
      expect(await outboxLag(store.db)).toBe(1);
      expect((await pendingOutbox(store.db, 10))[0].recordId).toBe(recordId('s1', 'c'));
      await ackOutbox(store.db, []);
    });
  });
});
