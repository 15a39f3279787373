/**
 * Namespaces of INSPIRE Atom download service feeds (Technical Guidance for Download Services 3.1, §5), and of
 * the harvest context the inspire-atom harvester attaches to a feed.
 *
 * The harvest context (the composite document): the harvester yields each feed as an Atom feed document whose
 * last child is one extension element (foreign markup, RFC 4287 §6.4) in the NS_HARVEST namespace:
 *
 *   <feed xmlns="http://www.w3.org/2005/Atom">…the feed as served…
 *     <h:harvestContext xmlns:h="urn:x-moisson:inspire-atom-harvest:1">
 *       <h:serviceEntry><entry>…</entry></h:serviceEntry>          the service feed entry that led to this dataset feed
 *       <h:linkedMetadata href="…"><gmd:MD_Metadata>…</gmd:MD_Metadata></h:linkedMetadata>   the describedby record
 *     </h:harvestContext>
 *   </feed>
 *
 * Both children are optional. The document stays a valid Atom feed, so the registry dispatches it on its root
 * like any feed, and the stored original shows exactly what the record was made from.
 */

export const NS_ATOM = 'http://www.w3.org/2005/Atom';
export const NS_GEORSS = 'http://www.georss.org/georss';
export const NS_INSPIRE_DLS = 'http://inspire.ec.europa.eu/schemas/inspire_dls/1.0';
export const NS_XML = 'http://www.w3.org/XML/1998/namespace';
export const NS_GML = ['http://www.opengis.net/gml', 'http://www.opengis.net/gml/3.2'] as const;
export const NS_HARVEST = 'urn:x-moisson:inspire-atom-harvest:1';

/** The registry key of an Atom feed. */
export const ATOM_FEED_ROOT = `{${NS_ATOM}}feed`;
