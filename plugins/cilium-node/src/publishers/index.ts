export * from './types';
export { renderChangeBody, renderCommitMessage } from './markdown';
export { LocalGitPublisher } from './LocalGitPublisher';
export type { LocalGitPublisherOptions } from './LocalGitPublisher';
export { GitHubPublisher, parseGitHubRepoUrl } from './GitHubPublisher';
export type { GitHubPublisherOptions } from './GitHubPublisher';
