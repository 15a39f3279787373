/**
 * XSD validation of XML strings with libxml2's xmllint (tests only).
 *
 * Many documents are validated in ONE xmllint process: loading the ISO 19139 schemas (hundreds of files, GML
 * included) costs far more than validating a record, so a per-record process would make round-trip suites
 * slow. Documents are written to a temporary directory; errors are attributed back to each document.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (this file is test/helpers/xmllint.ts). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared fixtures, cloned beside the project (../shared) in CI and in development trees. */
export const sharedFixtures = path.resolve(projectRoot, '..', 'shared', 'fixtures');

/** ISO 19139:2007 XSD as bundled by GeoNetwork (GML 3.2, gmx, srv). */
export const ISO19139_XSD = path.resolve(sharedFixtures, 'schemas', 'iso19139-2007-geonetwork', 'schema.xsd');

const BATCH = 1000;

export interface XmlError {
  line: number | null;
  message: string;
}

export interface ValidationResult {
  /** The name given for the document (or its index). */
  name: string;
  valid: boolean;
  errors: XmlError[];
}

export interface XmlDocumentInput {
  name: string;
  xml: string;
}

/** Validates one XML string against an XSD. */
export async function validateXml(xml: string, xsd: string = ISO19139_XSD): Promise<ValidationResult> {
  const [result] = await validateXmlMany([{ name: 'document', xml }], xsd);
  return result;
}

/**
 * Validates many XML strings against one XSD in a single xmllint call; results are in input order. Throws
 * when xmllint is missing or when the schema itself cannot be loaded.
 */
export async function validateXmlMany(
  docs: (XmlDocumentInput | string)[],
  xsd: string = ISO19139_XSD,
): Promise<ValidationResult[]> {
  if (docs.length === 0) return [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'moisson-xmllint-'));
  try {
    const inputs = docs.map((d, i) => (typeof d === 'string' ? { name: `document-${i + 1}`, xml: d } : d));
    const files = inputs.map((_, i) => path.join(dir, `doc-${String(i + 1).padStart(5, '0')}.xml`));
    await Promise.all(files.map((f, i) => writeFile(f, inputs[i].xml, 'utf8')));
    const results: ValidationResult[] = [];
    // Batches keep the command line far below ARG_MAX however many documents a suite validates.
    for (let i = 0; i < files.length; i += BATCH) {
      const batch = files.slice(i, i + BATCH);
      const { stderr } = await runXmllint(['--noout', '--nonet', '--schema', xsd, ...batch]);
      results.push(...attributeErrors(stderr, batch, inputs.slice(i, i + BATCH)));
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Per-file verdicts from xmllint's stderr ("<file> validates", "<file>:<line>: <message>"). */
function attributeErrors(stderr: string, files: string[], inputs: XmlDocumentInput[]): ValidationResult[] {
  if (/failed to compile|WXS schema .* failed|Schemas parser error/i.test(stderr)) {
    throw new Error(`xmllint could not load the schema:\n${stderr.slice(0, 2000)}`);
  }
  const lines = stderr.split('\n');
  return files.map((file, i) => {
    const errors: XmlError[] = [];
    for (const line of lines) {
      if (!line.startsWith(`${file}:`)) continue;
      const m = /^:(\d+): (.*)$/.exec(line.slice(file.length));
      if (m) errors.push({ line: Number(m[1]), message: m[2] });
      else errors.push({ line: null, message: line.slice(file.length + 1).trim() });
    }
    const validated = lines.includes(`${file} validates`);
    if (!validated && errors.length === 0) errors.push({ line: null, message: 'xmllint gave no verdict' });
    return { name: inputs[i].name, valid: validated && errors.length === 0, errors };
  });
}

function runXmllint(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('xmllint', args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') {
        reject(new Error('xmllint is not installed (Debian/Ubuntu: apt-get install libxml2-utils)'));
        return;
      }
      // Exit status 3/4 means "some documents did not validate": the verdicts are in stderr.
      resolve({ stdout, stderr });
    });
  });
}

/** A readable summary of the failures, for assertion messages. */
export function formatValidationErrors(results: ValidationResult[], max = 20): string {
  return results
    .filter((r) => !r.valid)
    .map((r) => `${r.name}:\n${r.errors.slice(0, max).map((e) => `  line ${e.line ?? '?'}: ${e.message}`).join('\n')}`)
    .join('\n');
}
