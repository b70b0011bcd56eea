import { Config } from '@backstage/config';

/** Where the app mounts the Cilium page unless `cilium.requests.portalPath` says otherwise. */
export const DEFAULT_PORTAL_PATH = '/cilium';

// A URL path: segments of unreserved characters, no dot segments, no query.
const PORTAL_PATH = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;

/**
 * Links to a request's page in the portal, for pull request bodies:
 * `app.baseUrl` + `cilium.requests.portalPath` (the path the app mounts the
 * Cilium page at, default `/cilium`) + `/requests/<id>`. Without
 * `app.baseUrl` there is nothing to link to and the result is undefined.
 */
export function requestLinksFromConfig(
  config: Config,
): (id: string) => string | undefined {
  const baseUrl = config.getOptionalString('app.baseUrl');
  const rawPath =
    config.getOptionalString('cilium.requests.portalPath') ??
    DEFAULT_PORTAL_PATH;
  const portalPath = rawPath.length > 1 ? rawPath.replace(/\/$/, '') : '';
  if (portalPath && !PORTAL_PATH.test(portalPath)) {
    throw new Error(
      `cilium.requests.portalPath "${rawPath}" is not a URL path; write where the app mounts the Cilium page, e.g. /cilium`,
    );
  }
  if (!baseUrl) return () => undefined;
  let origin: URL;
  try {
    origin = new URL(baseUrl);
  } catch {
    throw new Error(
      `app.baseUrl "${baseUrl}" is not a URL; write the portal's address, e.g. https://portal.example.com`,
    );
  }
  const base = `${origin.origin}${origin.pathname.replace(
    /\/$/,
    '',
  )}${portalPath}`;
  return id => `${base}/requests/${encodeURIComponent(id)}`;
}
