/**
 * CSW 2.0.2 DescribeRecord response (OGC 07-006r1 §10.6): one csw:SchemaComponent per type name, holding the
 * XML Schema of the record type.
 *
 * - csw:Record: the OGC record.xsd (shipped in schemas/csw/, see its PROVENANCE.md), read once at module
 *   load, its relative imports made absolute so that a client can follow them.
 * - gmd:MD_Metadata: a small schema in the gmd namespace that includes the ISO 19139:2007 gmd.xsd and imports
 *   srv and gmx (the written records use SV_ServiceIdentification and gmx:Anchor), as pycsw answers with a
 *   gmd schema fragment rather than the hundred files of the ISO schemas.
 */
import { readFileSync } from 'node:fs';
import { HubError } from '../../errors.ts';
import { TYPE_NAMES } from './domains.ts';
import { CSW_SCHEMA_LOCATION, NS_CSW, NS_GMD, NS_GMX, NS_SRV, NS_XS, NS_XSI } from './namespaces.ts';
import { newRoot, RECORDS_MARKER, serialize, spliceRecords, stripXmlDeclaration } from './xml.ts';

const OGC_SCHEMAS = 'http://schemas.opengis.net';
const ISO_2007 = `${OGC_SCHEMAS}/iso/19139/20070417`;

/** record.xsd with its relative schemaLocations resolved against its canonical OGC location. */
function recordSchema(): string {
  const file = new URL('../../../schemas/csw/record.xsd', import.meta.url);
  const text = stripXmlDeclaration(readFileSync(file, 'utf8'));
  return text
    .replace('schemaLocation="rec-dcterms.xsd"', `schemaLocation="${OGC_SCHEMAS}/csw/2.0.2/rec-dcterms.xsd"`)
    .replace('schemaLocation="rec-dcmes.xsd"', `schemaLocation="${OGC_SCHEMAS}/csw/2.0.2/rec-dcmes.xsd"`)
    .replace('schemaLocation="../../ows/1.0.0/owsAll.xsd"', `schemaLocation="${OGC_SCHEMAS}/ows/1.0.0/owsAll.xsd"`)
    .trim();
}

/** The gmd schema component: gmd.xsd included, srv and gmx imported (ISO/TS 19139:2007 on schemas.opengis.net). */
function gmdSchema(): string {
  const schema = newRoot(NS_XS, 'xs:schema', { xs: NS_XS }, false)
    .att('targetNamespace', NS_GMD)
    .att('elementFormDefault', 'qualified');
  schema.ele('xs:include').att('schemaLocation', `${ISO_2007}/gmd/gmd.xsd`);
  schema.ele('xs:import').att('namespace', NS_SRV).att('schemaLocation', `${ISO_2007}/srv/1.0/srv.xsd`);
  schema.ele('xs:import').att('namespace', NS_GMX).att('schemaLocation', `${ISO_2007}/gmx/gmx.xsd`);
  return serialize(schema, true);
}

/** Schema components by type name, built once. */
const COMPONENTS: Readonly<Record<(typeof TYPE_NAMES)[number], { targetNamespace: string; schema: string }>> = {
  'csw:Record': { targetNamespace: NS_CSW, schema: recordSchema() },
  'gmd:MD_Metadata': { targetNamespace: NS_GMD, schema: gmdSchema() },
};

/** The known type name a client's one stands for (prefixes matched case-insensitively, as clients vary). */
function knownTypeName(name: string): (typeof TYPE_NAMES)[number] {
  const found = TYPE_NAMES.find((t) => t.toLowerCase() === name.trim().toLowerCase());
  if (!found) {
    throw new HubError('invalid_parameter', `Unknown typeName "${name}"; this catalogue describes ${TYPE_NAMES.join(' and ')}.`,
      { locator: 'typeName' });
  }
  return found;
}

/** The csw:DescribeRecordResponse document for these type names (every type when the list is empty). */
export function describeRecord(typeNames: readonly string[]): string {
  const wanted = typeNames.length === 0 ? [...TYPE_NAMES] : [...new Set(typeNames.map(knownTypeName))];
  const root = newRoot(NS_CSW, 'csw:DescribeRecordResponse', { csw: NS_CSW, xsi: NS_XSI })
    .att('xsi:schemaLocation', CSW_SCHEMA_LOCATION);
  for (const name of wanted) {
    root.ele('csw:SchemaComponent')
      .att('targetNamespace', COMPONENTS[name].targetNamespace)
      .att('schemaLanguage', 'XMLSCHEMA')
      .com(`${RECORDS_MARKER}:${name}`);
  }
  let xml = serialize(root);
  for (const name of wanted) xml = spliceRecords(xml, COMPONENTS[name].schema, `${RECORDS_MARKER}:${name}`);
  return xml;
}
