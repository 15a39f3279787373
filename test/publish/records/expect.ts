/**
 * Expected answers of the records API computed from the published records themselves (never from the API),
 * and a client that walks an items query through its `next` links.
 */
import { expect } from 'vitest';
import type { BoundingBox } from '../../../mappings/types.ts';
import { catalogueBoxes, normaliseText } from '../../../mappings/queryables.ts';
import type { Published } from './catalogue.ts';

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: any }> {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() };
}

/** Every record of an items query, following `next` links; fails on a repeated record or a runaway walk. */
export async function walk(url: string): Promise<{ ids: string[]; pages: any[] }> {
  const ids: string[] = [];
  const pages: any[] = [];
  let next: string | undefined = url;
  while (next) {
    const { status, type, body } = await getJson(next);
    expect(status, next).toBe(200);
    expect(type).toContain('application/geo+json');
    pages.push(body);
    expect(body.numberReturned).toBe(body.features.length);
    ids.push(...body.features.map((f: { id: string }) => f.id));
    next = body.links.find((l: { rel: string }) => l.rel === 'next')?.href;
    if (pages.length > 100) throw new Error('too many pages');
  }
  expect(new Set(ids).size, 'a record was served twice').toBe(ids.length);
  for (const p of pages) expect(p.numberMatched).toBe(ids.length);
  return { ids, pages };
}

export function idsOf(records: Published[]): string[] {
  return records.map((r) => r.id).sort();
}

const time = (v: unknown): number | null => (typeof v === 'string' ? Date.parse(v) : null);

export function matchesQ(r: Published, phrases: string[]): boolean {
  return phrases.some((p) => String(r.values.anytext).includes(normaliseText(p)));
}

function intersects(b: BoundingBox, e: BoundingBox): boolean {
  return b.west <= e.east && b.east >= e.west && b.south <= e.north && b.north >= e.south;
}

export function matchesBbox(r: Published, envelopes: BoundingBox[]): boolean {
  return catalogueBoxes(r.record).some((b) => envelopes.some((e) => intersects(b, e)));
}

/** The datetime rule: overlap with the temporal extent, or the metadata date when there is no extent. */
export function matchesDatetime(r: Published, start: string | null, end: string | null): boolean {
  const [s, e] = [start ? Date.parse(start) : -Infinity, end ? Date.parse(end) : Infinity];
  const [begin, finish, modified] = [time(r.values.temp_begin), time(r.values.temp_end), time(r.values.modified)];
  if (begin !== null || finish !== null) return (begin === null || begin <= e) && (finish === null || finish >= s);
  return modified !== null && modified >= s && modified <= e;
}

export function inSource(r: Published, source: string): boolean {
  return r.sources.includes(source);
}
