/**
 * Licence recognition from free text and URIs, whatever the producer wrote: "Licence Ouverte v2.0 (Etalab)",
 * "licence ouverte / open licence", "etalab-2.0", the Etalab PDF URL, "Open Database License (ODbL)",
 * opendatacommons.org/licenses/odbl, SPDX ids… Pure: a table of patterns, tried in order, on a normalised
 * string (lower case, accents removed, punctuation and whitespace collapsed).
 */
import type { Licence } from '../types.ts';

export const LICENCES = {
  'etalab-2.0': {
    id: 'etalab-2.0',
    label: 'Licence Ouverte / Open Licence version 2.0',
    url: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
  },
  'etalab-1.0': {
    id: 'etalab-1.0',
    label: 'Licence Ouverte / Open Licence version 1.0',
    url: 'https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf',
  },
  'odbl-1.0': { id: 'odbl-1.0', label: 'Open Database License (ODbL) 1.0', url: 'https://opendatacommons.org/licenses/odbl/1-0/' },
  'cc-by-4.0': { id: 'cc-by-4.0', label: 'Creative Commons Attribution 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
  'cc0-1.0': { id: 'cc0-1.0', label: 'Creative Commons Zero 1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/' },
} as const satisfies Record<string, Licence>;

type LicenceId = keyof typeof LICENCES;

/**
 * Patterns on the normalised text, most specific first. A Licence Ouverte with no version is 2.0 unless it says
 * 1.0 or is the 2011 original's PDF: 2.0 (2017) is what "Licence Ouverte" means in current French records.
 */
const PATTERNS: ReadonlyArray<readonly [RegExp, LicenceId]> = [
  [/\betalab[ -]?1[ .]0\b|licence[ -]ouverte[ -]v?(ersion[ -])?1([ .]0)?\b|open[ -]licen[cs]e[ -]v?(ersion[ -])?1[ .]0\b/, 'etalab-1.0'],
  [/\blicence[ _]ouverte\.pdf\b/, 'etalab-1.0'],
  [/\betalab\b|licence[ -]ouverte|\bopen[ -]licen[cs]e[ -]v?(ersion[ -])?2[ .]0\b/, 'etalab-2.0'],
  [/\bodbl\b|open[ -]?database[ -]licen[cs]e|opendatacommons[ .]org licenses odbl/, 'odbl-1.0'],
  [/\bcc0\b|creativecommons[ .]org publicdomain zero|creative commons zero|\bcc[ -]zero\b/, 'cc0-1.0'],
  [/\bcc[ -]by[ -]4[ .]0\b|creativecommons[ .]org licenses by 4[ .]0|creative commons attribution 4[ .]0/, 'cc-by-4.0'],
];

/** Lower case, accents stripped, every run of other characters -> one space ('.', '-', '_' kept inside words). */
export function normaliseLicenceText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9.\-_]+/g, ' ')
    .replace(/(^|\s)[.\-]+|[.\-]+(?=\s|$)/g, '$1')
    .trim();
}

/** The licence named by a text or URI, or undefined. */
export function recogniseLicence(value: string | undefined): Licence | undefined {
  if (!value) return undefined;
  const s = normaliseLicenceText(value);
  for (const [pattern, id] of PATTERNS) if (pattern.test(s)) return { ...LICENCES[id] };
  return undefined;
}
