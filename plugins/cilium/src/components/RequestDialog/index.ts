export { RequestDialog } from './RequestDialog';
export { RequestGate, useRequestGate } from './RequestGate';
export { formFromFlow } from './requestForm';
export type { RequestFormValues } from './requestForm';
