/**
 * XSD validation of CSW 2.0.2 responses (tests only), records included.
 *
 * csw:SearchResults and csw:GetRecordByIdResponse take `##other` elements with processContents="strict", so
 * an embedded gmd:MD_Metadata is only valid if the ISO schema is loaded too. One wrapper schema, written to a
 * temporary directory, imports by absolute path:
 * - CSW-discovery.xsd and OWS 1.0.0 (pycsw's copy of the OGC schemas: GML 3.1.1, namespace
 *   http://www.opengis.net/gml);
 * - the ISO 19139:2007 schema bundled by GeoNetwork (GML 3.2, namespace http://www.opengis.net/gml/3.2): a
 *   distinct namespace, so both GMLs load side by side (libxml2 warns that the second xlink.xsd is skipped:
 *   both trees carry the same W3C 2008 xlink.xsd);
 * - a LAX STAND-IN for inspire_ds: the INSPIRE schemas are not in the fixtures, and are not invented here. It
 *   declares only where the element may go, inspire_ds:ExtendedCapabilities in the substitution group of
 *   ows:ExtendedCapabilities (how inspire_ds.xsd places it, see src/publish/csw/capabilities-inspire.ts), with
 *   no type of its own (anyType: its inspire_common content is accepted unchecked). So the position of the
 *   element is validated, its content is not (the tests check that content element by element).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sharedFixtures, validateXmlMany, type ValidationResult, type XmlDocumentInput } from './xmllint.ts';

const PYCSW_OGC = path.resolve(sharedFixtures, 'schemas', 'pycsw-ogc', 'core', 'schemas', 'ogc');
export const CSW_DISCOVERY_XSD = path.join(PYCSW_OGC, 'csw', '2.0.2', 'CSW-discovery.xsd');
export const OWS_ALL_XSD = path.join(PYCSW_OGC, 'ows', '1.0.0', 'owsAll.xsd');
export const ISO19139_2007_XSD = path.resolve(sharedFixtures, 'schemas', 'iso19139-2007-geonetwork', 'schema.xsd');

const NS = {
  csw: 'http://www.opengis.net/cat/csw/2.0.2',
  ows: 'http://www.opengis.net/ows',
  gmd: 'http://www.isotc211.org/2005/gmd',
  inspireDs: 'http://inspire.ec.europa.eu/schemas/inspire_ds/1.0',
};

const xmlAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function inspireStandIn(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Test stand-in, NOT the INSPIRE schema: placement of inspire_ds:ExtendedCapabilities only (lax content). -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:ows="${NS.ows}" targetNamespace="${NS.inspireDs}" elementFormDefault="qualified">
  <xs:import namespace="${NS.ows}" schemaLocation="${xmlAttr(OWS_ALL_XSD)}"/>
  <xs:element name="ExtendedCapabilities" substitutionGroup="ows:ExtendedCapabilities"/>
</xs:schema>
`;
}

function wrapperSchema(inspirePath: string): string {
  const imports: [string, string][] = [
    [NS.csw, CSW_DISCOVERY_XSD],
    [NS.ows, OWS_ALL_XSD],
    [NS.gmd, ISO19139_2007_XSD],
    [NS.inspireDs, inspirePath],
  ];
  const lines = imports.map(([ns, loc]) => `  <xs:import namespace="${ns}" schemaLocation="${xmlAttr(loc)}"/>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
${lines.join('\n')}
</xs:schema>
`;
}

let wrapperPath: string | undefined;

/** The wrapper schema's path, written once per test process (and removed when it exits). */
export function cswWrapperXsd(): string {
  if (wrapperPath) return wrapperPath;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-csw-xsd-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const inspire = path.join(dir, 'inspire_ds-standin.xsd');
  writeFileSync(inspire, inspireStandIn(), 'utf8');
  wrapperPath = path.join(dir, 'csw-iso-wrapper.xsd');
  writeFileSync(wrapperPath, wrapperSchema(inspire), 'utf8');
  return wrapperPath;
}

/** Validates CSW responses (csw:*, ows:ExceptionReport), embedded records included, in one xmllint call. */
export function validateCsw(docs: (XmlDocumentInput | string)[]): Promise<ValidationResult[]> {
  return validateXmlMany(docs, cswWrapperXsd());
}

/** validateCsw under the name the end-to-end tests (test/publish/csw/server.test.ts) use. */
export const validateCswResponses = validateCsw;
