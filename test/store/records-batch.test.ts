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

  it('keeps every byte of the originals, binary or empty, and a big document', async () => {
    await addSource(store.db, 's');
    const allBytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const big = Buffer.from(`<a>${'é'.repeat(100_000)}</a>`, 'utf8');
    const inputs = [input('s', 'bin', allBytes), input('s', 'empty', Buffer.alloc(0)), input('s', 'big', big)];
    expect((await upsertRecords(store.db, inputs)).map((r) => r.outcome)).toEqual(['new', 'new', 'new']);
    for (const x of inputs) {
      expect((await getOriginal(store.db, recordId('s', x.nativeId)))!.bytes.equals(x.original)).toBe(true);
    }
  });

  it('writes a batch larger than one INSERT statement takes', async () => {
    await addSource(store.db, 's');
    const inputs = Array.from({ length: 1001 }, (_, i) => input('s', `n${i}`, `<r>${i}</r>`));
    const results = await upsertRecords(store.db, inputs);
    expect(results.every((r) => r.outcome === 'new')).toBe(true);
    expect(await counts(store.db)).toEqual({ records: 1001, history: 1001, outbox: 1001 });
    expect((await getOriginal(store.db, recordId('s', 'n1000')))!.bytes.toString()).toBe('<r>1000</r>');
    expect((await getRecord(store.db, recordId('s', 'n1000')))!.record.title).toBe('Record n1000');
  });

  it('writes nothing of a batch whose transaction fails', async () => {
    await addSource(store.db, 's');
    await expect(upsertRecords(store.db, [input('s', 'a', '<a/>'), input('nope', 'b', '<b/>')])).rejects.toThrow();
    expect(await counts(store.db)).toEqual({ records: 0, history: 0, outbox: 0 });
    expect((await upsertRecord(store.db, input('s', 'a', '<a/>'))).outcome).toBe('new');
  });
});
