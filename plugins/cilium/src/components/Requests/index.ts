export { EntityRequests } from './EntityRequests';
export { RequestsTable } from './RequestsTable';
export { RequestView, RequestDetails, RequestTimeline } from './RequestView';
export { RequestActions } from './RequestActions';
