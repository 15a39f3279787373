/**
 * OGC capabilities -> one service record per document (WMS 1.3.0 and 1.1.1, WMTS 1.0.0, WFS 2.0.0). The
 * registry (mappings/index.ts) dispatches on the root element; the keys are in `CAPABILITIES_ROOTS`.
 */
export { CAPABILITIES_ROOTS } from './namespaces.ts';
export { mapWms111, mapWms130 } from './wms130.ts';
export { mapWmts100 } from './wmts100.ts';
export { mapWfs200 } from './wfs200.ts';
export { recordIdInUrl, serviceBoxes, MAX_LISTED_BBOXES } from './record.ts';
