import { describe, expect, it } from 'vitest';
import { emptyCounts, formatReport, type RunReport } from '../../src/harvest/report.ts';

const report: RunReport = {
  runId: 7,
  sourceId: 'geobretagne',
  status: 'succeeded',
  complete: true,
  incremental: false,
  dryRun: false,
  startedAt: '2025-03-01T10:00:00.000Z',
  finishedAt: '2025-03-01T10:00:02.500Z',
  durationMs: 2500,
  counts: { ...emptyCounts(), seen: 3, new: 1, failed: 1, warned: 1, unchanged: 1 },
  lines: [
    { nativeId: null, url: 'file:///data/bad.xml', severity: 'error', path: '/gmd:MD_Metadata', message: 'XML not well-formed' },
    { nativeId: 'abc', url: 'file:///data/a.xml', severity: 'warning', path: '/gmd:MD_Metadata/gmd:dateStamp', message: 'no date' },
  ],
};

describe('formatReport', () => {
  it('prints the header, the counts, then one line per issue', () => {
    expect(formatReport(report).split('\n')).toEqual([
      'geobretagne — run 7 — succeeded (complete) — 2025-03-01T10:00:00.000Z — 2.5 s',
      'seen 3 · new 1 · changed 0 · unchanged 1 · failed 1 · warned 1 · withdrawn 0',
      '✗ file:///data/bad.xml /gmd:MD_Metadata — XML not well-formed',
      '⚠ abc /gmd:MD_Metadata/gmd:dateStamp — no date',
    ]);
  });

  it('says dry run and shows the error of a stopped run', () => {
    const text = formatReport({ ...report, runId: null, dryRun: true, status: 'failed', complete: false, lines: [], error: 'Folder not found: /x' });
    expect(text.split('\n')[0]).toBe('geobretagne — dry run — failed (incomplete) — 2025-03-01T10:00:00.000Z — 2.5 s');
    expect(text).toContain('\nerror: Folder not found: /x');
  });
});

describe('content hash', () => {
  it('folds the mapping version in, so that a mapping change re-maps stored documents', async () => {
    const { createHash } = await import('node:crypto');
    const { contentHash } = await import('../../src/harvest/prepare.ts');
    const { MAPPING_VERSION } = await import('../../mappings/index.ts');
    const bytes = Buffer.from('<gmd:MD_Metadata/>');
    expect(contentHash(bytes)).not.toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(contentHash(bytes)).toBe(createHash('sha256').update(`moisson-mapping/${MAPPING_VERSION}\n`).update(bytes).digest('hex'));
    expect(contentHash(bytes)).toBe(contentHash(Buffer.from(bytes)));
  });
});
