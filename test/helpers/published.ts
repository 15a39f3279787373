/**
 * A store whose catalogue holds real records, published the way a hub publishes them: the demo source (20 real
 * ISO 19139 records of seeds/demo: datasets, series, services) and a second source, `miroir`, that re-publishes
 * one of them (GéoBretagne's BANO, same resource identifier, another fileIdentifier), harvested through the
 * real harvest path and drained into the catalogue by the real index sync. The two BANO records are one
 * resource: the catalogue lists it once.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultSeedsDir } from '../../src/config.ts';
import { runHarvest } from '../../src/harvest/run.ts';
import { createEmbeddedIndex } from '../../src/search/embedded/index.ts';
import { createIndexer } from '../../src/search/indexer.ts';
import type { Db } from '../../src/store/db.ts';
import { getSource, putSource } from '../../src/store/sources.ts';

export const DEMO_DIR = path.join(defaultSeedsDir, 'demo');
/** The BANO record of the demo source and its copy in `miroir`. */
export const BANO_ID = '9ffb161b-d8d8-4ec4-bde5-a03104300df8';
export const BANO_COPY_ID = 'miroir-bano-bretagne-copie';

/** Harvests both sources and drains the outbox; returns how many records each harvest stored. */
export async function publishDemo(db: Db): Promise<{ demo: number; miroir: number }> {
  await putSource(db, { id: 'demo', type: 'directory', url: DEMO_DIR, enabled: true });
  const demo = await runHarvest(db, (await getSource(db, 'demo'))!);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'moisson-miroir-'));
  const bano = await readFile(path.join(DEMO_DIR, 'geobretagne-bano.xml'), 'utf8');
  await writeFile(path.join(dir, 'bano-copie.xml'), bano.replace(BANO_ID, BANO_COPY_ID));
  await putSource(db, { id: 'miroir', type: 'directory', url: dir, enabled: true });
  const miroir = await runHarvest(db, (await getSource(db, 'miroir'))!);
  await drainAll(db);
  return { demo: demo.counts.new, miroir: miroir.counts.new };
}

/** Applies every pending outbox row to an embedded index and the catalogue. */
export async function drainAll(db: Db): Promise<void> {
  const indexer = createIndexer(db, createEmbeddedIndex(db));
  await indexer.drain();
  await indexer.stop();
}
