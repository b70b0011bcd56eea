export { LiveFlowsTable } from './LiveFlowsTable';
