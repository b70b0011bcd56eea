export { LiveFlowsTable } from './LiveFlowsTable';
export { ObservedTrafficTable } from './ObservedTrafficTable';
