/**
 * How the DCAT harvester stores one resource: canonical N-Triples behind a comment line. The comment keeps the
 * registry's XML root scan (mappings/index.ts) from reading a first line `<http://…> <…> …` as an XML start
 * tag; N-Triples allows comments, so the bytes stay plain N-Triples.
 */
export const DCAT_STORED_MEDIA_TYPE = 'application/n-triples';

export const DCAT_HEADER = '# moisson: one DCAT resource and its bounded description, canonical N-Triples (RDFC-1.0)\n';
