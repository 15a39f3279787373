import { describe, expect, it } from 'vitest';
import { getHarvester, knownHarvesterTypes, UnknownHarvesterError } from '../../harvesters/index.ts';
import { HubError } from '../../src/errors.ts';

describe('harvester registry', () => {
  it('returns the harvester registered for a source type', () => {
    expect(getHarvester('directory').type).toBe('directory');
    expect(knownHarvesterTypes()).toContain('directory');
  });

  it('rejects an unknown type with a typed error listing the known types', () => {
    const err = (() => {
      try {
        getHarvester('ftp');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownHarvesterError);
    expect(err).toBeInstanceOf(HubError);
    expect((err as UnknownHarvesterError).known).toEqual(knownHarvesterTypes());
    expect((err as Error).message).toBe(`Unknown source type "ftp"; known types: ${knownHarvesterTypes().join(', ')}`);
    expect((err as HubError).code).toBe('invalid_source');
  });

  it('does not treat inherited object keys as source types', () => {
    expect(() => getHarvester('toString')).toThrow(UnknownHarvesterError);
    expect(() => getHarvester('__proto__')).toThrow(UnknownHarvesterError);
  });
});
