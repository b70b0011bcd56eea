import { useRouteRef } from '@backstage/core-plugin-api';
import { requestRouteRef } from '../routes';

/**
 * Links to a request's page. Uses the plugin's route when the app mounts the
 * Cilium page, else the conventional `/cilium/requests/<id>` (where the
 * backend's pull request bodies link).
 */
export function useRequestLink(): (id: string) => string {
  let route: ((params: { id: string }) => string) | undefined;
  try {
    // Called on every render, in the same order: the try only catches the
    // "no path for routeRef" error of an app that does not mount the page.
    // eslint-disable-next-line react-hooks/rules-of-hooks
    route = useRouteRef(requestRouteRef);
  } catch {
    route = undefined;
  }
  return (id: string) => {
    try {
      if (route) return route({ id });
    } catch {
      // not mounted
    }
    return `/cilium/requests/${encodeURIComponent(id)}`;
  };
}
