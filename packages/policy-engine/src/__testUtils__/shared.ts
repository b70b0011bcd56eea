import { sharedPath } from '../../../../test/sharedData';

export { describeWithShared, sharedAvailable } from '../../../../test/sharedData';

/** The oracles of other projects (netpol-analyzer, cyclonus, Kubernetes e2e, recipes). */
export const ORACLE_DIR = sharedPath('oracle');
/** The real Cilium policies, CRD schemas and Hubble captures. */
export const CORPUS_DIR = sharedPath('corpus');
