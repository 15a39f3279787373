/**
 * Source definitions: one validation path for seeds, the admin API and the CLI (STYLE.md §13):
 * JSON Schema first (schemas/source.schema.json), then cross-reference checks, every problem reported at
 * once with its path.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from '../schemas.ts';
import { scheduleProblem } from './schedule.ts';
import type { SourceDef } from '../store/sources.ts';

export interface SourceProblem {
  /** Where: `sources[3].url`, `url`… */
  path: string;
  message: string;
}

export class InvalidSourceError extends Error {
  constructor(readonly problems: SourceProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'InvalidSourceError';
  }
}

/** Pass 1: the JSON Schema. Returns problems with paths prefixed by `prefix`. */
function schemaProblems(input: unknown, prefix: string): SourceProblem[] {
  return validate('source', input).map((p) => ({
    path: `${prefix}${p.path === '/' ? '' : p.path.slice(1).replace(/\//g, '.')}` || '(source)',
    message: p.message,
  }));
}

function urlProblem(def: SourceDef): string | null {
  if (def.type === 'directory') {
    if (!existsSync(def.url)) return `folder ${def.url} does not exist`;
    if (!statSync(def.url).isDirectory()) return `${def.url} is not a folder`;
    return null;
  }
  try {
    const u = new URL(def.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http(s) URL, got ${u.protocol}`;
  } catch {
    return `"${def.url}" is not a URL`;
  }
  return null;
}

/** Pass 2: checks a schema-valid definition against the world (folders, URLs) and its schedule against croner. */
function crossProblems(def: SourceDef, prefix: string): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const problem = urlProblem(def);
  if (problem) problems.push({ path: `${prefix}url`, message: problem });
  const schedule = def.schedule ? scheduleProblem(def.schedule) : null;
  if (schedule) problems.push({ path: `${prefix}schedule`, message: schedule });
  return problems;
}

/**
 * Validates one source definition. Relative folders of `directory` sources are resolved against
 * `baseDir` (the seeds folder, or the CLI's working directory).
 */
export function parseSource(input: unknown, opts: { baseDir?: string; prefix?: string } = {}): SourceDef {
  const prefix = opts.prefix ?? '';
  const problems = schemaProblems(input, prefix);
  if (problems.length) throw new InvalidSourceError(problems);
  const raw = input as SourceDef & { description?: string };
  const def: SourceDef = { ...raw, enabled: raw.enabled ?? true, schedule: raw.schedule ?? null };
  if (def.type === 'directory') {
    const folder = def.url.startsWith('file:') ? fileURLToPath(def.url) : def.url;
    def.url = path.resolve(opts.baseDir ?? process.cwd(), folder);
  }
  const cross = crossProblems(def, prefix);
  if (cross.length) throw new InvalidSourceError(cross);
  return def;
}

/** Reads seeds/sources.json and validates every definition; throws with every problem at once. */
export function loadSeedSources(seedsDir: string): SourceDef[] {
  const file = path.join(seedsDir, 'sources.json');
  let doc: { sources?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidSourceError([{ path: file, message: `cannot read: ${(err as Error).message}` }]);
  }
  if (!Array.isArray(doc.sources)) throw new InvalidSourceError([{ path: `${file}#sources`, message: 'must be an array' }]);
  const problems: SourceProblem[] = [];
  const defs: SourceDef[] = [];
  const seen = new Set<string>();
  doc.sources.forEach((input, i) => {
    const prefix = `${path.basename(file)}#sources[${i}].`;
    try {
      const def = parseSource(input, { baseDir: seedsDir, prefix });
      if (seen.has(def.id)) problems.push({ path: `${prefix}id`, message: `duplicate id "${def.id}"` });
      seen.add(def.id);
      defs.push(def);
    } catch (err) {
      if (err instanceof InvalidSourceError) problems.push(...err.problems);
      else throw err;
    }
  });
  if (problems.length) throw new InvalidSourceError(problems);
  return defs;
}
