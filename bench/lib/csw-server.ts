/**
 * A local CSW 2.0.2 server for bench/harvest: it pages through N ISO 19139 records made by cloning the real
 * fixture records of ../shared/fixtures/iso19139 with new fileIdentifiers (bench-000001…). It answers
 * GetCapabilities (pycsw's real capabilities document, with its DCP URLs pointed at this server) and GetRecords
 * in KVP or POST XML (startPosition / maxRecords); anything else gets an ows:ExceptionReport.
 *
 * Every record has a modification date, written as its gmd:dateStamp (a gco:DateTime) and filtered on as
 * apiso:Modified / dct:modified, so that content and filter agree: a month before the server started (older than
 * the harvester's one-day look-back, harvesters/csw/requests.ts sinceDate), or the time of the last touch(k),
 * which revises k records spread over the catalogue. GetRecords honours the constraint an incremental harvest
 * sends (OGC Filter comparisons on the modification date, joined by ogc:And); numberOfRecordsMatched, nextRecord
 * and paging are computed over the records it selects. Any other constraint gets an ows:ExceptionReport rather
 * than being ignored.
 *
 * In process here (startBenchCsw); bench/harvest runs it in a child process (csw-server-process.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface BenchCsw {
  url: string;
  requests: number;
  /** Marks k records spread over the catalogue as modified now (new dateStamp); returns how many. */
  touch(k: number): number;
  close(): Promise<void>;
}

const FILE_ID = /(<(?:\w+:)?fileIdentifier>\s*<(?:\w+:)?CharacterString>)[^<]*(<)/;
const DATE_STAMP = /<((?:\w+:)?)dateStamp>\s*<((?:\w+:)?)Date(?:Time)?\b([^>]*)>[^<]*<\/\2Date(?:Time)?>\s*<\/\1dateStamp>/;
/** Records not touched were modified this long before the server started. */
const BASE_AGE_MS = 30 * 86_400_000;

/** The generated catalogue: N records and their modification dates. */
interface Catalogue {
  templates: string[];
  cuts: (CutTemplate | undefined)[];
  n: number;
  base: Date;
  /** Record number -> modification date, for the records touched since the start. */
  touched: Map<number, Date>;
}

/** Tests a modification date against a constraint. */
type DateTest = (modified: Date) => boolean;

class CswException extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Standalone ISO records of the shared fixtures, without their XML declaration, as templates. */
export function loadTemplates(fixtures: string): string[] {
  const dir = path.join(fixtures, 'iso19139');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => readFileSync(path.join(dir, f), 'utf8').replace(/^\uFEFF?<\?xml[^>]*\?>\s*/, ''))
    .filter((xml) => FILE_ID.test(xml) && DATE_STAMP.test(xml));
}

/** Record number i (1-based) of the generated catalogue, modified at `modified`. */
export function record(templates: string[], i: number, modified: Date): string {
  const stamp = modified.toISOString().replace(/\.\d+Z$/, 'Z');
  return templates[(i - 1) % templates.length]
    .replace(FILE_ID, `$1${benchId(i)}$2`)
    .replace(DATE_STAMP, (_m, d: string, g: string, attrs: string) => dateStampXml(d, g, attrs, stamp));
}

const benchId = (i: number) => `bench-${String(i).padStart(6, '0')}`;
const dateStampXml = (d: string, g: string, attrs: string, stamp: string) =>
  `<${d}dateStamp><${g}DateTime${attrs}>${stamp}</${g}DateTime></${d}dateStamp>`;

/**
 * A template cut around its fileIdentifier value and its dateStamp, as UTF-8 bytes: a record is then the
 * concatenation of five pieces, which is what `record` returns, encoded. A real catalogue runs on another
 * machine; this server shares the harvester's two cores, so it must cost as little as a static file server
 * (with `record` and a 1.4 MB string to encode per page, it took a third of a core at 400 records/s).
 */
export interface CutTemplate {
  head: Buffer;
  middle: Buffer;
  tail: Buffer;
  stamp: (stamp: string) => string;
}

/** The templates cut (undefined for one whose fileIdentifier does not come before its dateStamp). */
export function cutTemplates(templates: string[]): (CutTemplate | undefined)[] {
  return templates.map(cut);
}

function cut(template: string): CutTemplate | undefined {
  const id = FILE_ID.exec(template);
  const date = DATE_STAMP.exec(template);
  if (!id || !date) return undefined;
  const idEnd = id.index + id[0].length - 1; // the '<' after the value
  const idStart = id.index + id[1].length;
  if (date.index < idEnd) return undefined;
  const [, d, g, attrs] = date;
  return {
    head: Buffer.from(template.slice(0, idStart)),
    middle: Buffer.from(template.slice(idEnd, date.index)),
    tail: Buffer.from(template.slice(date.index + date[0].length)),
    stamp: (stamp) => dateStampXml(d, g, attrs, stamp),
  };
}

/** `record` as bytes, from the cut templates (the same bytes: checked by test/bench/csw-server.test.ts). */
export function recordBytes(templates: string[], cuts: (CutTemplate | undefined)[], i: number, modified: Date): Buffer {
  const t = cuts[(i - 1) % cuts.length];
  if (!t) return Buffer.from(record(templates, i, modified));
  const stamp = modified.toISOString().replace(/\.\d+Z$/, 'Z');
  return Buffer.concat([t.head, Buffer.from(benchId(i)), t.middle, Buffer.from(t.stamp(stamp)), t.tail]);
}

function modifiedOf(c: Catalogue, i: number): Date {
  return c.touched.get(i) ?? c.base;
}

/** Marks k records, evenly spread from the first, as modified now. */
function touch(c: Catalogue, k: number): number {
  const count = Math.min(Math.max(0, Math.floor(k)), c.n);
  const now = new Date();
  for (let j = 0; j < count; j++) c.touched.set(Math.floor((j * c.n) / count) + 1, now);
  return count;
}

type Kvp = (name: string) => string | undefined;

function kvpOf(url: URL): Kvp {
  return (k) => url.searchParams.get(k) ?? url.searchParams.get(k.toLowerCase()) ?? url.searchParams.get(k.toUpperCase()) ?? undefined;
}

function paging(kvp: Kvp, body: string): { start: number; max: number } {
  const attr = (k: string) => new RegExp(`${k}="(\\d+)"`).exec(body)?.[1];
  return { start: Number(kvp('startPosition') ?? attr('startPosition') ?? 1), max: Number(kvp('maxRecords') ?? attr('maxRecords') ?? 10) };
}

/** The constraint of a GetRecords, KVP or POST, as a date test; undefined when there is none. */
function constraintOf(kvp: Kvp, body: string): DateTest | undefined {
  const text = kvp('constraint');
  if (text !== undefined) {
    const language = kvp('constraintLanguage') ?? 'FILTER';
    if (language.toUpperCase() !== 'FILTER') throw new CswException('InvalidParameterValue', `constraint language ${language} is not supported here`);
    return filterTest(text);
  }
  const constraint = /<(?:\w+:)?Constraint\b[^>]*>([\s\S]*?)<\/(?:\w+:)?Constraint>/.exec(body)?.[1];
  if (constraint === undefined) return undefined;
  if (/<(?:\w+:)?CqlText\b/.test(constraint)) throw new CswException('InvalidParameterValue', 'CQL_TEXT is not supported here');
  return filterTest(constraint);
}

const COMPARISON =
  /<(?:\w+:)?PropertyIs(GreaterThan|GreaterThanOrEqualTo|LessThan|LessThanOrEqualTo)>\s*<(?:\w+:)?PropertyName>([^<]*)<\/(?:\w+:)?PropertyName>\s*<(?:\w+:)?Literal>([^<]*)<\/(?:\w+:)?Literal>\s*<\/(?:\w+:)?PropertyIs\1>/g;
/** What may surround the comparisons: the ogc:Filter element and ogc:And. */
const FILTER_FRAME = /^(?:\s|<\/?(?:\w+:)?(?:Filter|And)\b[^>]*>)*$/;

/** An OGC Filter made only of comparisons on the modification date joined by ogc:And, as a date test. */
function filterTest(filter: string): DateTest {
  const tests: DateTest[] = [];
  const rest = filter.replace(COMPARISON, (_m, op: string, property: string, literal: string) => {
    if (!/^(?:\w+:)?modified$/i.test(property.trim())) throw new CswException('InvalidParameterValue', `cannot filter on ${property}`);
    const at = Date.parse(literal.trim());
    if (Number.isNaN(at)) throw new CswException('InvalidParameterValue', `not a date: ${literal}`);
    tests.push(comparison(op, at));
    return '';
  });
  if (tests.length === 0 || !FILTER_FRAME.test(rest)) {
    throw new CswException('InvalidParameterValue', 'only comparisons on apiso:Modified / dct:modified joined by ogc:And are supported here');
  }
  return (modified) => tests.every((t) => t(modified));
}

function comparison(op: string, at: number): DateTest {
  if (op === 'GreaterThan') return (d) => d.getTime() > at;
  if (op === 'GreaterThanOrEqualTo') return (d) => d.getTime() >= at;
  if (op === 'LessThan') return (d) => d.getTime() < at;
  return (d) => d.getTime() <= at;
}

/** Record numbers selected by the test, in order (the apiso:Identifier order); undefined for all of them. */
function selected(c: Catalogue, test: DateTest | undefined): number[] | undefined {
  if (!test) return undefined;
  const ids: number[] = [];
  for (let i = 1; i <= c.n; i++) if (test(modifiedOf(c, i))) ids.push(i);
  return ids;
}

const NEWLINE = Buffer.from('\n');

function getRecords(c: Catalogue, ids: number[] | undefined, start: number, max: number): Buffer {
  const matched = ids?.length ?? c.n;
  const end = Math.min(matched, start + max - 1);
  const returned = Math.max(0, end - start + 1);
  const next = end >= matched ? 0 : end + 1;
  const parts: Buffer[] = [Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" version="2.0.2">
<csw:SearchStatus timestamp="${new Date().toISOString()}"/>
<csw:SearchResults numberOfRecordsMatched="${matched}" numberOfRecordsReturned="${returned}" nextRecord="${next}" recordSchema="http://www.isotc211.org/2005/gmd" elementSet="full">
`)];
  for (let p = start; p <= end; p++) {
    const i = ids ? ids[p - 1] : p;
    if (p > start) parts.push(NEWLINE);
    parts.push(recordBytes(c.templates, c.cuts, i, modifiedOf(c, i)));
  }
  parts.push(Buffer.from('\n</csw:SearchResults>\n</csw:GetRecordsResponse>'));
  return Buffer.concat(parts);
}

function exceptionReport(code: string, text: string): string {
  const escaped = text.replace(/[&<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.0.0"><ows:Exception exceptionCode="${code}"><ows:ExceptionText>${escaped}</ows:ExceptionText></ows:Exception></ows:ExceptionReport>`;
}

/** pycsw's capabilities, pointed at this server, allowing pages of up to 1000 records (pycsw says 10). */
function caps(template: string, url: string): string {
  return template
    .replace(/http:\/\/localhost\/pycsw\/csw\.py\?[^"<]*/g, url)
    .replace(/(name="MaxRecordDefault">\s*<ows:Value>)\d+/, (_m, head: string) => `${head}1000`);
}

/** One request: status and XML body. */
function answer(c: Catalogue, capsTemplate: string, url: URL, body: string): { status: number; xml: string | Buffer } {
  const kvp = kvpOf(url);
  const request = (kvp('request') ?? /<(?:\w+:)?(\w+)[\s>]/.exec(body.replace(/<\?xml[^>]*\?>/, ''))?.[1] ?? '').toLowerCase();
  if (request === 'getcapabilities') return { status: 200, xml: caps(capsTemplate, `${url.origin}/csw`) };
  if (request !== 'getrecords') return { status: 400, xml: exceptionReport('OperationNotSupported', request) };
  try {
    const { start, max } = paging(kvp, body);
    return { status: 200, xml: getRecords(c, selected(c, constraintOf(kvp, body)), start, max) };
  } catch (e) {
    if (!(e instanceof CswException)) throw e;
    return { status: 400, xml: exceptionReport(e.code, e.message) };
  }
}

export async function startBenchCsw(fixtures: string, n: number): Promise<BenchCsw> {
  const templates = loadTemplates(fixtures);
  const c: Catalogue = { templates, cuts: cutTemplates(templates), n, base: new Date(Date.now() - BASE_AGE_MS), touched: new Map() };
  const capsTemplate = readFileSync(path.join(fixtures, 'csw', 'getcapabilities', 'pycsw-apiso-inspire-capabilities.xml'), 'utf8');
  const state = { requests: 0 };
  let base = '';
  const server: Server = createServer((req, res) => {
    state.requests++;
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const { status, xml } = answer(c, capsTemplate, new URL(req.url ?? '/', base), body);
      res.statusCode = status;
      res.setHeader('content-type', 'application/xml; charset=utf-8');
      res.end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/csw`,
    get requests() { return state.requests; },
    touch: (k) => touch(c, k),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
