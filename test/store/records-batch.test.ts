import { describe, expect, it } from 'vitest';
import { getHistory, getOriginal, getRecord, recordId, upsertRecord } from '../../src/store/records.ts';
import { upsertRecords } from '../../src/store/records-batch.ts';
import { getIdentityKeys } from '../../src/store/identity.ts';
import { backends, useStore } from '../helpers/db.ts';
import { addSource, counts, input, sampleRecord } from './sample.ts';

describe.each(backends)('batched upserts on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('writes a batch of new records with history, identity keys and outbox rows, bytes verbatim', async () => {
    await addSource(store.db, 's');
    const latin1 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a>caf\xe9</a>', 'latin1')]);
    const inputs = [
      input('s', 'a', '<a/>', { record: sampleRecord({ title: 'A', resourceIdentifiers: [{ code: 'FR-123456789-ABC', codeSpace: 'https://id.example.fr/' }] }) }),
      input('s', 'b', latin1, { record: sampleRecord({ title: 'B' }) }),
    ];
    const results = await upsertRecords(store.db, inputs);
    expect(results).toEqual([{ id: recordId('s', 'a'), outcome: 'new' }, { id: recordId('s', 'b'), outcome: 'new' }]);
    expect(await counts(store.db)).toEqual({ records: 2, history: 2, outbox: 2 });
    expect((await getOriginal(store.db, recordId('s', 'b')))!.bytes.equals(latin1)).toBe(true);
    expect((await getRecord(store.db, recordId('s', 'a')))!.record.title).toBe('A');
    expect(await getIdentityKeys(store.db, recordId('s', 'a'))).toEqual(['https://id.example.fr/FR-123456789-ABC']);
  });

  it('gives each input its outcome, in order: unchanged writes nothing, a change keeps history', async () => {
    await addSource(store.db, 's');
    await upsertRecords(store.db, [input('s', 'a', '<a/>'), input('s', 'b', '<b/>')]);
    const before = await counts(store.db);
    const results = await upsertRecords(store.db, [input('s', 'c', '<c/>'), input('s', 'a', '<a/>'), input('s', 'b', '<b>2</b>')]);
    expect(results.map((r) => r.outcome)).toEqual(['new', 'unchanged', 'changed']);
    const after = await counts(store.db);
    expect(after.records - before.records).toBe(1);
    expect(after.history - before.history).toBe(2);
    expect(after.outbox - before.outbox).toBe(2);
    expect((await getHistory(store.db, recordId('s', 'b'))).map((h) => h.change)).toEqual(['new', 'changed']);
  });

  it('writes nothing of a batch whose transaction fails', async () => {
    await addSource(store.db, 's');
    await expect(upsertRecords(store.db, [input('s', 'a', '<a/>'), input('nope', 'b', '<b/>')])).rejects.toThrow();
    expect(await counts(store.db)).toEqual({ records: 0, history: 0, outbox: 0 });
    expect((await upsertRecord(store.db, input('s', 'a', '<a/>'))).outcome).toBe('new');
  });
});
