import type { Bundle } from '@mekong/fhir';

/** Where this server is reachable: the root of its absolute links. */
export interface Links {
  /** The server's base URL without a trailing slash (`https://his.example.vn`). */
  base(): string;
  /** The FHIR base (`https://his.example.vn/fhir/R4`). */
  fhirBase(): string;
}

/** The path of the FHIR API under the server's base URL. */
export const FHIR_PATH = '/fhir/R4';

/** Links over a base URL that may be known only once the server listens (port 0). */
export function linksOver(base: () => string): Links {
  return { base, fhirBase: () => `${base()}${FHIR_PATH}` };
}

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

/** A link of the store (`Patient?name=x`, `Patient/1`) as an absolute URL of this server. */
export function absolute(links: Links, url: string): string {
  return ABSOLUTE.test(url) ? url : `${links.fhirBase()}/${url.replace(/^\/+/, '')}`;
}

/** The Bundle with its paging links (self, next) and entries' fullUrls made absolute URLs of this server. */
export function withAbsoluteLinks(bundle: Bundle, links: Links): Bundle {
  return {
    ...bundle,
    ...(bundle.link
      ? { link: bundle.link.map((link) => (link.url ? { ...link, url: absolute(links, link.url) } : link)) }
      : {}),
    ...(bundle.entry
      ? {
          entry: bundle.entry.map((entry) =>
            entry.fullUrl && !entry.fullUrl.startsWith('urn:')
              ? { ...entry, fullUrl: absolute(links, entry.fullUrl) }
              : entry,
          ),
        }
      : {}),
  };
}
