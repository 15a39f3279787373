/**
 * Language codes as DCAT writes them -> ISO 639-2/B (the record's LanguageCode): BCP 47 tags on literals
 * ("fr", "fr-FR"), ISO 639-2/T or -3 codes (EU Publications Office language IRIs: …/language/FRA, GeoNetwork's
 * xml:lang="fre"), id.loc.gov ISO 639-1/-2 IRIs. A code not in the tables is kept as found, lower case.
 */

/** ISO 639-1 -> ISO 639-2/B, for the languages of European catalogues and French regional languages. */
const FROM_639_1: Readonly<Record<string, string>> = {
  fr: 'fre', en: 'eng', de: 'ger', es: 'spa', it: 'ita', nl: 'dut', pt: 'por', ca: 'cat', eu: 'baq', gl: 'glg',
  br: 'bre', oc: 'oci', co: 'cos', cs: 'cze', sk: 'slo', el: 'gre', sv: 'swe', da: 'dan', fi: 'fin', pl: 'pol',
  hu: 'hun', ro: 'rum', bg: 'bul', hr: 'hrv', sl: 'slv', et: 'est', lv: 'lav', lt: 'lit', ga: 'gle', mt: 'mlt',
  lb: 'ltz', no: 'nor', nb: 'nob', nn: 'nno', is: 'ice', sq: 'alb', mk: 'mac', cy: 'wel', ru: 'rus', uk: 'ukr',
  tr: 'tur', ar: 'ara', zh: 'chi', ja: 'jpn',
};

/** ISO 639-2/T (and 639-3) codes whose bibliographic code differs. */
const T_TO_B: Readonly<Record<string, string>> = {
  fra: 'fre', deu: 'ger', nld: 'dut', eus: 'baq', ces: 'cze', slk: 'slo', ell: 'gre', ron: 'rum', isl: 'ice',
  sqi: 'alb', mkd: 'mac', cym: 'wel', zho: 'chi', fas: 'per', hye: 'arm', kat: 'geo', msa: 'may', mya: 'bur',
  bod: 'tib',
};

/** A language tag or code -> ISO 639-2/B ('' for an empty tag). */
export function languageCode(tag: string): string {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  if (primary.length === 2) return FROM_639_1[primary] ?? primary;
  return T_TO_B[primary] ?? primary;
}

/** A language IRI (EU authority table, id.loc.gov, lexvo) or a literal code -> ISO 639-2/B, or undefined. */
export function languageFromValue(value: string): string | undefined {
  const last = value.trim().replace(/[/#]+$/, '').split(/[/#]/).pop() ?? '';
  if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(last)) return undefined;
  return languageCode(last);
}
