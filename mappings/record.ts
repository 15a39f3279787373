/** Building blocks shared by the mappings. */
import type { MdRecord } from './types.ts';

/**
 * A record with every list empty and no title: mappings spread it first and set what their document gives,
 * so that a field added to the model gets its empty value in one place.
 */
export function emptyRecord(): MdRecord {
  return {
    identifier: null, hierarchyLevel: 'dataset', metadataContacts: [], locales: [], title: '', alternateTitles: [],
    translations: {}, resourceIdentifiers: [], dates: [], status: [], resourceContacts: [], keywords: [],
    topicCategories: [], resourceLanguages: [], bboxes: [], geographicDescriptions: [], temporalExtents: [],
    spatialRepresentationTypes: [], spatialResolutions: [], referenceSystems: [], constraints: [], conformity: [],
    distributionFormats: [], onlineResources: [], graphicOverviews: [],
  };
}
