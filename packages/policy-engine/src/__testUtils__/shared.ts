import { sharedPath } from '@internal/test-shared-data';

export {
  describeWithShared,
  sharedAvailable,
} from '@internal/test-shared-data';

/** The oracles of other projects (netpol-analyzer, cyclonus, Kubernetes e2e, recipes). */
export const ORACLE_DIR = sharedPath('oracle');
/** The real Cilium policies, CRD schemas and Hubble captures. */
export const CORPUS_DIR = sharedPath('corpus');
