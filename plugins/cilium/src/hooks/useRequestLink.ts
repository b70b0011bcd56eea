import { useRouteRef } from '@backstage/core-plugin-api';
import { requestRouteRef } from '../routes';

/**
 * Links to a request's page, from the plugin's route refs: wherever the app
 * mounts the Cilium page. Undefined when the app does not mount it (then
 * there is no page to link to).
 */
export function useRequestLink(): (id: string) => string | undefined {
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
      return route?.({ id });
    } catch {
      return undefined;
    }
  };
}
