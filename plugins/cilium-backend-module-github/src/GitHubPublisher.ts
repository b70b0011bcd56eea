import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { Octokit } from '@octokit/rest';
import { singleLine } from '@cilium-zero-trust/cilium-policy-engine';
import {
  changeBranch,
  PolicyChange,
  PolicyPublisher,
  Publication,
  renderChangeBody,
  renderCommitMessage,
} from '@cilium-zero-trust/plugin-cilium-node';

/**
 * Options of {@link GitHubPublisher}.
 *
 * @public
 */
export interface GitHubPublisherOptions {
  /** `https://github.com/<owner>/<repo>` (or `github.com?owner=<owner>&repo=<repo>`). */
  repoUrl: string;
  /** Target branch; default: the repository's default branch. */
  baseBranch?: string;
  /** Users asked to review each pull request. */
  reviewers?: string[];
  /** Team slugs asked to review each pull request. */
  teamReviewers?: string[];
  /** Labels put on each pull request. Default `network-policy`. */
  labels?: string[];
  integrations: ScmIntegrations;
  credentialsProvider?: GithubCredentialsProvider;
}

/**
 * Parses the two repoUrl forms Backstage uses.
 *
 * @public
 */
export function parseGitHubRepoUrl(repoUrl: string): {
  host: string;
  owner: string;
  repo: string;
} {
  const withScheme = /^https?:\/\//.test(repoUrl)
    ? repoUrl
    : `https://${repoUrl}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InputError(
      `cilium.requests.publisher.repoUrl "${repoUrl}" is not a URL such as https://github.com/org/gitops`,
    );
  }
  const owner = url.searchParams.get('owner') ?? url.pathname.split('/')[1];
  const repo = (
    url.searchParams.get('repo') ??
    url.pathname.split('/')[2] ??
    ''
  ).replace(/\.git$/, '');
  if (!owner || !repo) {
    throw new InputError(
      `cilium.requests.publisher.repoUrl "${repoUrl}" must name an owner and a repository, e.g. https://github.com/org/gitops`,
    );
  }
  return { host: url.host, owner, repo };
}

/**
 * Opens a pull request per request on GitHub: branch `netpol/<id>`, one atomic
 * commit with every file (git trees API), a pull request whose body has the
 * summary, requester, justification, connectivity diff, validation, replay and
 * YAML, and the configured reviewers. Credentials come from Backstage's
 * `integrations.github` config (token or GitHub App). Publishing again updates
 * the same branch and pull request.
 * @public
 */
export class GitHubPublisher implements PolicyPublisher {
  readonly type = 'github';
  private readonly repo: { host: string; owner: string; repo: string };
  private readonly credentials: GithubCredentialsProvider;

  static fromConfig(config: Config, publisherConfig: Config): GitHubPublisher {
    return new GitHubPublisher({
      repoUrl: publisherConfig.getString('repoUrl'),
      baseBranch: publisherConfig.getOptionalString('baseBranch'),
      reviewers: publisherConfig.getOptionalStringArray('reviewers'),
      teamReviewers: publisherConfig.getOptionalStringArray('teamReviewers'),
      labels: publisherConfig.getOptionalStringArray('labels'),
      integrations: ScmIntegrations.fromConfig(config),
    });
  }

  constructor(private readonly options: GitHubPublisherOptions) {
    this.repo = parseGitHubRepoUrl(options.repoUrl);
    this.credentials =
      options.credentialsProvider ??
      DefaultGithubCredentialsProvider.fromIntegrations(options.integrations);
  }

  private async client(): Promise<Octokit> {
    const url = `https://${this.repo.host}/${this.repo.owner}/${this.repo.repo}`;
    const integration = this.options.integrations.github.byHost(this.repo.host);
    if (!integration) {
      throw new Error(
        `No integrations.github entry for ${this.repo.host}; add one with a token or a GitHub App`,
      );
    }
    const { token } = await this.credentials.getCredentials({ url });
    return new Octokit({
      auth: token,
      baseUrl: integration.config.apiBaseUrl,
      request: { retries: 0 },
    });
  }

  private async ref(
    octokit: Octokit,
    branch: string,
  ): Promise<string | undefined> {
    try {
      const { data } = await octokit.rest.git.getRef({
        owner: this.repo.owner,
        repo: this.repo.repo,
        ref: `heads/${branch}`,
      });
      return data.object.sha;
    } catch (e: any) {
      if (e?.status === 404) return undefined;
      throw e;
    }
  }

  async publish(change: PolicyChange): Promise<Publication> {
    const octokit = await this.client();
    const { owner, repo } = this.repo;
    const branch = changeBranch(change);
    const base =
      this.options.baseBranch ??
      (await octokit.rest.repos.get({ owner, repo })).data.default_branch;

    // Already merged or open? Find the pull request first (its head is deterministic).
    const { data: pulls } = await octokit.rest.pulls.list({
      owner,
      repo,
      head: `${owner}:${branch}`,
      state: 'all',
    });
    const merged = pulls.find(p => p.merged_at);
    if (merged)
      return this.publication(branch, merged.html_url, merged.number, 'merged');
    const open = pulls.find(p => p.state === 'open');

    let head = await this.ref(octokit, branch);
    if (!head) {
      const baseSha = await this.ref(octokit, base);
      if (!baseSha)
        throw new Error(`Branch ${base} does not exist in ${owner}/${repo}`);
      await octokit.rest.git.createRef({
        owner,
        repo,
        ref: `refs/heads/${branch}`,
        sha: baseSha,
      });
      head = baseSha;
    }
    const { data: headCommit } = await octokit.rest.git.getCommit({
      owner,
      repo,
      commit_sha: head,
    });
    const { data: tree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: headCommit.tree.sha,
      tree: change.files.map(f =>
        f.content === null
          ? {
              path: f.path,
              mode: '100644' as const,
              type: 'blob' as const,
              sha: null,
            }
          : {
              path: f.path,
              mode: '100644' as const,
              type: 'blob' as const,
              content: f.content,
            },
      ),
    });
    if (tree.sha !== headCommit.tree.sha) {
      const { data: commit } = await octokit.rest.git.createCommit({
        owner,
        repo,
        message: renderCommitMessage(change),
        tree: tree.sha,
        parents: [head],
      });
      await octokit.rest.git.updateRef({
        owner,
        repo,
        ref: `heads/${branch}`,
        sha: commit.sha,
      });
    }

    const body = renderChangeBody(change);
    if (open) {
      await octokit.rest.pulls.update({
        owner,
        repo,
        pull_number: open.number,
        title: singleLine(change.title, 256),
        body,
      });
      return this.publication(branch, open.html_url, open.number, 'open');
    }
    const { data: pr } = await octokit.rest.pulls.create({
      owner,
      repo,
      title: singleLine(change.title, 256),
      head: branch,
      base,
      body,
    });
    if (this.options.reviewers?.length || this.options.teamReviewers?.length) {
      await octokit.rest.pulls.requestReviewers({
        owner,
        repo,
        pull_number: pr.number,
        reviewers: this.options.reviewers ?? [],
        team_reviewers: this.options.teamReviewers ?? [],
      });
    }
    const labels = this.options.labels ?? ['network-policy'];
    if (labels.length) {
      await octokit.rest.issues.addLabels({
        owner,
        repo,
        issue_number: pr.number,
        labels,
      });
    }
    return this.publication(branch, pr.html_url, pr.number, 'open');
  }

  async status(publication: Publication): Promise<Publication['state']> {
    if (!publication.number) return publication.state;
    const octokit = await this.client();
    const { data } = await octokit.rest.pulls.get({
      owner: this.repo.owner,
      repo: this.repo.repo,
      pull_number: publication.number,
    });
    if (data.merged) return 'merged';
    return data.state === 'closed' ? 'closed' : 'open';
  }

  private publication(
    branch: string,
    url: string,
    number: number,
    state: Publication['state'],
  ): Publication {
    return { publisher: this.type, branch, url, number, state };
  }
}
