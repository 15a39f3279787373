/** Licence recognition (mappings/iso19139/licences.ts) on real-world phrasings, many taken from the fixtures. */
import { describe, expect, it } from 'vitest';
import { LICENCES, normaliseLicenceText, recogniseLicence } from '../../../mappings/iso19139/licences.ts';

const CASES: ReadonlyArray<readonly [string, string | undefined]> = [
  // Etalab 2.0: names, ids, URLs.
  ['Licence Ouverte / Open Licence Version 2.0  https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf', 'etalab-2.0'],
  ['Licence Ouverte / Open License (compatible ODC-BY, CC-BY 2.0)', 'etalab-2.0'],
  ['licence ouverte v2.0', 'etalab-2.0'],
  ['LICENCE OUVERTE', 'etalab-2.0'],
  ['Licence  ouverte\n Etalab', 'etalab-2.0'],
  ['Licence Ouverte Etalab 2.0', 'etalab-2.0'],
  ['etalab-2.0', 'etalab-2.0'],
  ['Etalab', 'etalab-2.0'],
  ['Open Licence version 2.0', 'etalab-2.0'],
  ['https://www.etalab.gouv.fr/licence-ouverte-open-licence', 'etalab-2.0'],
  ['https://www.etalab.gouv.fr/wp-content/uploads/2018/11/open-licence.pdf', 'etalab-2.0'],
  ['https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf', 'etalab-2.0'],
  ['LICENCE OUVERTE VERSION 2.0', 'etalab-2.0'],
  // Etalab 1.0.
  ['Licence Ouverte 1.0 http://www.data.gouv.fr/Licence-Ouverte-Open-Licence.', 'etalab-1.0'],
  ['Licence ouverte v1', 'etalab-1.0'],
  ['Licence Ouverte version 1.0', 'etalab-1.0'],
  ['etalab-1.0', 'etalab-1.0'],
  ['https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf', 'etalab-1.0'],
  // ODbL.
  ['Licence OdBL http://www.openstreetmap.org/copyright/fr', 'odbl-1.0'],
  ['mention obligatoire "projet BANO ODbL"', 'odbl-1.0'],
  ['Licence ODbL 1.0\nhttp://www.data.rennes-metropole.fr/notre-demarche/licence-odbl', 'odbl-1.0'],
  ['Open Database License (ODbL)', 'odbl-1.0'],
  ['open database licence', 'odbl-1.0'],
  ['http://opendatacommons.org/licenses/odbl/1.0/', 'odbl-1.0'],
  ['https://opendatacommons.org/licenses/odbl/', 'odbl-1.0'],
  ['ODbL-1.0', 'odbl-1.0'],
  // Creative Commons.
  ['CC-By 4.0', 'cc-by-4.0'],
  ['CC-BY-4.0', 'cc-by-4.0'],
  ['https://creativecommons.org/licenses/by/4.0/', 'cc-by-4.0'],
  ['Creative Commons Attribution 4.0 International', 'cc-by-4.0'],
  ['CC0', 'cc0-1.0'],
  ['CC0-1.0', 'cc0-1.0'],
  ['https://creativecommons.org/publicdomain/zero/1.0/', 'cc0-1.0'],
  // Not licences we recognise: texts from the fixtures and near misses.
  ['Pas de restriction d’accès public', undefined],
  ['Utilisation libre sous réserve de mentionner la source et le millésime des données', undefined],
  ['no conditions apply', undefined],
  ['This data is made available under an open licence', undefined],
  ['Open Government Licence v3.0', undefined],
  ['Open Data Commons Public Domain Dedication and License (PDDL)', undefined],
  ['open data licence', undefined],
  ['', undefined],
];

describe('recogniseLicence', () => {
  it.each(CASES)('%j -> %s', (value, id) => {
    expect(recogniseLicence(value)?.id).toBe(id);
  });

  it('returns the canonical label and URL', () => {
    expect(recogniseLicence('Licence Ouverte v2.0')).toEqual({
      id: 'etalab-2.0',
      label: 'Licence Ouverte / Open Licence version 2.0',
      url: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
    });
    expect(recogniseLicence('ODbL')?.url).toBe('https://opendatacommons.org/licenses/odbl/1-0/');
  });

  it('returns a copy: callers cannot alter the table', () => {
    const found = recogniseLicence('etalab-2.0')!;
    found.label = 'changed';
    expect(LICENCES['etalab-2.0'].label).toBe('Licence Ouverte / Open Licence version 2.0');
  });
});

describe('normaliseLicenceText', () => {
  it('ignores case, accents, punctuation and whitespace', () => {
    expect(normaliseLicenceText('  LICENCE   Ouverte  /  Étalab\t2.0. ')).toBe('licence ouverte etalab 2.0');
  });
});
