import { useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  ConnectivityPreview,
  ConnectivityRequestBody,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef } from '../api';

/** What {@link useRequestPreview} returns. */
export interface RequestPreviewState {
  /** The latest preview of the current body (kept while a newer one loads). */
  preview?: ConnectivityPreview;
  /** The latest failure (the backend's 400/403 explains it). */
  error?: Error;
  /** A preview is scheduled or in flight. */
  loading: boolean;
  /** The body the current `preview`/`error` belong to (JSON). */
  previewedKey?: string;
}

/**
 * Previews a request body as the user types: waits `delayMs` after the last
 * change, then asks `POST /requests/preview`, aborting the previous call so a
 * stale answer never replaces a newer one. `undefined` means the form is not
 * complete enough to preview.
 */
export function useRequestPreview(
  body: ConnectivityRequestBody | undefined,
  delayMs = 500,
): RequestPreviewState {
  const api = useApi(ciliumApiRef);
  const key = body ? JSON.stringify(body) : undefined;
  const [state, setState] = useState<RequestPreviewState>({ loading: false });

  useEffect(() => {
    if (!key) {
      setState({ loading: false });
      return undefined;
    }
    setState(s => ({ ...s, loading: true }));
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .previewRequest(JSON.parse(key), { signal: controller.signal })
        .then(preview => {
          if (!controller.signal.aborted)
            setState({ preview, loading: false, previewedKey: key });
        })
        .catch(error => {
          if (!controller.signal.aborted)
            setState({ error, loading: false, previewedKey: key });
        });
    }, delayMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, key, delayMs]);

  return state;
}
