/**
 * The record's ISO 639-2/B codes ("fre", "cze") -> what DCAT writes: BCP 47 tags on literals ("fr", "cs") and
 * EU Publications Office language IRIs, whose codes are ISO 639-2/T / 639-3 (…/language/FRA, …/language/CES;
 * the SEMIC XSLT upper-cases the B code and writes the non-existent …/language/CZE).
 *
 * The ISO 639-1 table is languages.ts's own, inverted by asking it about every two-letter code, so that reading
 * and writing can never disagree.
 */
import { languageCode } from './languages.ts';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** ISO 639-2/B -> ISO 639-1, for the codes languages.ts knows. */
const TO_639_1: ReadonlyMap<string, string> = (() => {
  const out = new Map<string, string>();
  for (const a of LETTERS) {
    for (const b of LETTERS) {
      const two = a + b;
      const bib = languageCode(two);
      if (bib !== two && !out.has(bib)) out.set(bib, two);
    }
  }
  return out;
})();

/**
 * ISO 639-2/B -> 639-2/T where they differ: the inverse of languages.ts's T_TO_B (test/mappings/dcat-ap checks
 * that languageCode maps every T code here back to its B code).
 */
export const B_TO_T: Readonly<Record<string, string>> = {
  fre: 'fra', ger: 'deu', dut: 'nld', baq: 'eus', cze: 'ces', slo: 'slk', gre: 'ell', rum: 'ron', ice: 'isl',
  alb: 'sqi', mac: 'mkd', wel: 'cym', chi: 'zho', per: 'fas', arm: 'hye', geo: 'kat', may: 'msa', bur: 'mya',
  tib: 'bod',
};

const CODE = /^[a-z]{2,3}$/;

/** The BCP 47 tag of a record language code: the ISO 639-1 code when there is one, else the code itself. */
export function bcp47(code: string | undefined): string | undefined {
  const c = code?.trim().toLowerCase();
  if (!c || !CODE.test(c)) return undefined;
  return TO_639_1.get(c) ?? TO_639_1.get(languageCode(c)) ?? c;
}

const EU_LANGUAGE = 'http://publications.europa.eu/resource/authority/language/';

/** The EU language authority IRI of a record language code, or undefined for a code that is not ISO 639. */
export function euLanguageIri(code: string | undefined): string | undefined {
  const c = code?.trim().toLowerCase();
  if (!c || !CODE.test(c)) return undefined;
  const bib = languageCode(c);
  if (bib.length !== 3) return undefined;
  return EU_LANGUAGE + (B_TO_T[bib] ?? bib).toUpperCase();
}
