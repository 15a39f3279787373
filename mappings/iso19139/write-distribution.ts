/** ISO 19139 writers for distributionInfo (formats, online resources) and referenceSystemInfo. */
import type { MdRecord } from '../types.ts';
import { onlineResource } from './write-party.ts';
import { text, type Node, type WriteContext } from './write-xml.ts';

/** gmd:referenceSystemInfo per CRS: MD_ReferenceSystem/referenceSystemIdentifier is an RS_Identifier. */
export function referenceSystems(ctx: WriteContext, parent: Node, rec: MdRecord): void {
  for (const rs of rec.referenceSystems) {
    const id = parent
      .ele('gmd:referenceSystemInfo')
      .ele('gmd:MD_ReferenceSystem')
      .ele('gmd:referenceSystemIdentifier')
      .ele('gmd:RS_Identifier');
    text(ctx, id, 'gmd:code', { text: rs.code, href: rs.href }, { nilReason: 'missing' });
    text(ctx, id, 'gmd:codeSpace', rs.codeSpace);
  }
}

/**
 * gmd:distributionInfo: every format, then one MD_DigitalTransferOptions holding every online resource (as
 * GeoNetwork writes them). MD_Format/version is mandatory: nil "unknown" when the source gave none.
 */
export function distributionInfo(ctx: WriteContext, parent: Node, rec: MdRecord): void {
  if (rec.distributionFormats.length === 0 && rec.onlineResources.length === 0) return;
  const dist = parent.ele('gmd:distributionInfo').ele('gmd:MD_Distribution');
  for (const f of rec.distributionFormats) {
    const fmt = dist.ele('gmd:distributionFormat').ele('gmd:MD_Format');
    text(ctx, fmt, 'gmd:name', f.name, { nilReason: 'missing' });
    text(ctx, fmt, 'gmd:version', f.version, { nilReason: 'unknown' });
  }
  if (rec.onlineResources.length === 0) return;
  const options = dist.ele('gmd:transferOptions').ele('gmd:MD_DigitalTransferOptions');
  for (const r of rec.onlineResources) onlineResource(ctx, options, 'gmd:onLine', r);
}

