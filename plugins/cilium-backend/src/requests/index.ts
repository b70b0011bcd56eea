export { createRequestsRouter } from './router';
export type { RequestsRouterOptions } from './router';
export { setupRequests, PublisherRegistry, DEFAULT_REVIEWERS } from './setup';
export { RequestService } from './RequestService';
export { RequestStore, migrateRequestStore } from './RequestStore';
