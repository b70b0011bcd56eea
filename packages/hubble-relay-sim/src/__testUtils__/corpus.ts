import { sharedAvailable, sharedPath } from '@internal/test-shared-data';

/** The recorded flow captures, or undefined (with a visible warning) when absent. */
export function corpusFlowsDir(testName: string): string | undefined {
  const dir = sharedPath('corpus', 'cilium', 'flows');
  return sharedAvailable(testName, dir) ? dir : undefined;
}
