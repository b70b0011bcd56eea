export * from './types';
export { renderChangeBody, renderCommitMessage } from './markdown';
export { LocalGitPublisher } from './LocalGitPublisher';
export type { LocalGitPublisherOptions } from './LocalGitPublisher';
