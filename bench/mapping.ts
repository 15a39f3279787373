/**
 * bench/mapping: ISO 19139 parse+map throughput over the real fixture records, printed next to the XML
 * parser alone on the same bytes (the ratio is what the mapping costs).
 *
 *   npm run bench:mapping            (MIN_SECONDS=3 by default per measurement)
 *
 * Inputs: every standalone record in ../shared/fixtures/iso19139 (+ invalid/) and every ISO record embedded in
 * ../shared/fixtures/csw/getrecords-iso, serialised once before timing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';
import { isElement, parseXml, serializeElement, type XmlElement } from '../mappings/xml/index.ts';
import { readIso19139 } from '../mappings/iso19139/read.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
const MIN_SECONDS = Number(process.env.MIN_SECONDS ?? 3);
const ISO_ROOTS = new Set(['http://www.isotc211.org/2005/gmd MD_Metadata', 'http://www.isotc211.org/2005/gmi MI_Metadata']);

function xmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? xmlFiles(path.join(dir, e.name)) : e.name.endsWith('.xml') ? [path.join(dir, e.name)] : []);
}

function isoRecords(el: XmlElement): XmlElement[] {
  if (ISO_ROOTS.has(`${el.uri} ${el.local}`)) return [el];
  return el.children.flatMap((c) => (isElement(c) ? isoRecords(c) : []));
}

function loadInputs(): Buffer[] {
  const standalone = xmlFiles(path.join(fixtures, 'iso19139'))
    .filter((f) => !f.includes('feature-catalogue'))
    .map((f) => readFileSync(f));
  const embedded = xmlFiles(path.join(fixtures, 'csw', 'getrecords-iso'))
    .flatMap((f) => isoRecords(parseXml(readFileSync(f)).root))
    .map((el) => Buffer.from(serializeElement(el)));
  return [...standalone, ...embedded];
}

/** Runs `fn` over every input until MIN_SECONDS have passed; returns records/s. */
function measure(inputs: Buffer[], fn: (b: Buffer) => void): { perSecond: number; mbPerSecond: number } {
  for (const b of inputs) fn(b); // warm-up
  let n = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS) {
    for (const b of inputs) {
      fn(b);
      bytes += b.length;
    }
    n += inputs.length;
    elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  }
  return { perSecond: n / elapsed, mbPerSecond: bytes / 1e6 / elapsed };
}

function saxesOnly(b: Buffer): void {
  const p = new SaxesParser({ xmlns: true });
  p.on('error', () => {});
  p.write(b.toString('utf8')).close();
}

const inputs = loadInputs();
const totalKb = inputs.reduce((s, b) => s + b.length, 0) / 1024;
console.log(`bench/mapping: ${inputs.length} ISO 19139 records (${totalKb.toFixed(0)} KiB), ${MIN_SECONDS} s per measurement, node ${process.version}`);
const rows: [string, ReturnType<typeof measure>][] = [
  ['baseline: saxes parse only (no tree)', measure(inputs, saxesOnly)],
  ['parseXml (safe, namespaced tree)', measure(inputs, (b) => void parseXml(b))],
  ['readIso19139 (parse + map)', measure(inputs, (b) => void readIso19139(b))],
];
const base = rows[0][1].perSecond;
for (const [label, r] of rows) {
  console.log(`${label.padEnd(40)} ${r.perSecond.toFixed(0).padStart(7)} records/s  ${r.mbPerSecond.toFixed(1).padStart(6)} MB/s  ×${(r.perSecond / base).toFixed(2)} of baseline`);
}
