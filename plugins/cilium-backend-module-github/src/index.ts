/**
 * The `github` publisher of the cilium backend: approved connectivity
 * requests become pull requests on a GitHub repository.
 *
 * @packageDocumentation
 */
export { ciliumModuleGithub as default } from './module';
export { GitHubPublisher, parseGitHubRepoUrl } from './GitHubPublisher';
export type { GitHubPublisherOptions } from './GitHubPublisher';
