/**
 * The harvester registry (STYLE §3): source type -> harvester, one typed map, no registration by import side
 * effect. csw, dcat, inspire-atom and ogc-capabilities join the map when they are written.
 */
import { HubError } from '../src/errors.ts';
import { createCswHarvester } from './csw/index.ts';
import { createDcatHarvester } from './dcat/index.ts';
import { createDirectoryHarvester } from './directory.ts';
import { createInspireAtomHarvester } from './inspire-atom.ts';
import { createOgcCapabilitiesHarvester } from './ogc-capabilities.ts';
import type { Harvester } from './types.ts';

export type { Harvester, HarvestContext, HarvestWarning, HarvestLogger } from './types.ts';
export { HarvestError } from './types.ts';

const harvesters = {
  csw: createCswHarvester(),
  dcat: createDcatHarvester(),
  directory: createDirectoryHarvester(),
  'inspire-atom': createInspireAtomHarvester(),
  'ogc-capabilities': createOgcCapabilitiesHarvester(),
} as const satisfies Record<string, Harvester>;

export type HarvesterType = keyof typeof harvesters;

/** An unknown source type; `known` lists the types this hub can harvest. */
export class UnknownHarvesterError extends HubError {
  readonly known: string[];

  constructor(type: string, known: string[]) {
    super('invalid_source', `Unknown source type "${type}"; known types: ${known.join(', ')}`, {
      locator: 'type',
      details: { known },
    });
    this.name = 'UnknownHarvesterError';
    this.known = known;
  }
}

/** Source types with a harvester, sorted. */
export function knownHarvesterTypes(): string[] {
  return Object.keys(harvesters).sort();
}

/** The harvester for a source type; throws UnknownHarvesterError listing the known types. */
export function getHarvester(type: string): Harvester {
  if (!Object.hasOwn(harvesters, type)) throw new UnknownHarvesterError(type, knownHarvesterTypes());
  return harvesters[type as HarvesterType];
}
