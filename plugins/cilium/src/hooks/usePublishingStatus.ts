import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import { CiliumPublishingStatus } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef } from '../api';

/**
 * Whether the backend publishes approved requests (from `GET /status`);
 * undefined while loading or when the status may not be read.
 */
export function usePublishingStatus(): CiliumPublishingStatus | undefined {
  const api = useApi(ciliumApiRef);
  const { value } = useAsync(() => api.getStatus(), [api]);
  return value?.publishing;
}
