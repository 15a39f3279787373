// The hub's sources as scripts/build.mjs builds them and bin/moisson.js checks dist/ against them.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The folders whose code the hub runs (test/ and bench/ run from the sources, through vitest and tsx). */
export const SOURCE_DIRS = ['src', 'harvesters', 'mappings'];
const CODE = /\.(?:ts|js|mjs)$/;

/** Paths (relative to root, '/'-separated, sorted) of the code files under SOURCE_DIRS. */
export function sourceFiles(root) {
  const out = [];
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !CODE.test(entry.name)) continue;
      out.push(path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'));
    }
  }
  return out.sort();
}

/**
 * sha256 of the code files' paths and contents, and of the build script: dist/ is what the sources say when its
 * FINGERPRINT is this. Contents, not times: a checkout or a copy changes times, not code. About 10 ms.
 */
export function sourceFingerprint(root) {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(root), 'scripts/build.mjs']) {
    hash.update(file).update('\0').update(readFileSync(path.join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/** Whether code is to be loaded from dist/: it is current, and MOISSON_FROM_SOURCES=1 does not ask for the sources. */
export function runsFromDist(root) {
  return process.env.MOISSON_FROM_SOURCES !== '1' && distIsCurrent(root);
}

/** Whether dist/ was built from the sources as they are now (its FINGERPRINT is theirs). */
export function distIsCurrent(root) {
  const stamp = path.join(root, 'dist', 'FINGERPRINT');
  if (!existsSync(stamp)) return false;
  try {
    return readFileSync(stamp, 'utf8').trim() === sourceFingerprint(root);
  } catch {
    return false;
  }
}
