import { createHash } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fileURLToPath } from 'url';
import git, { GitAuth } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrationRegistry,
} from '@backstage/integration';
import {
  ManifestFile,
  ManifestSnapshot,
  ManifestSource,
  SourceProblem,
} from './types';

const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * Options of {@link GitManifestSource}.
 * @public
 */
export interface GitManifestSourceOptions {
  /**
   * The repository: an HTTP(S) URL (fetched into `cacheDir`), or a local
   * repository (a path or a `file:` URL; bare or with a work tree), read in
   * place.
   */
  url: string;
  /** The branch (or any ref) to read. Default `main`. */
  branch?: string;
  /** A folder inside the repository, e.g. `policies`. Default: the root. */
  path?: string;
  /**
   * Fetch a remote repository at most this often, in seconds (in between,
   * `version()` answers the last fetched head). Default 60. Local
   * repositories are read on every call.
   */
  refreshSeconds?: number;
  /**
   * A token for HTTP basic authentication as `x-access-token:<token>` (what
   * GitHub, Gitea and GitLab accept). Takes precedence over `integrations`.
   */
  token?: string;
  /**
   * `@backstage/integration` registry: when the URL's host matches an
   * integration, its credentials are used (GitHub: token or app; others: the
   * integration's `token`).
   */
  integrations?: ScmIntegrationRegistry;
  /** Where remote repositories are fetched to. Default: a folder under the OS temp folder. */
  cacheDir?: string;
  now?: () => number;
}

type TreeEntry = {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
};

function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Hides credentials written into a URL (`https://user:secret@host/...`). */
function redact(url: string): string {
  return url.replace(/^(https?:\/\/)[^@/]*@/i, '$1***@');
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * YAML/JSON manifests in a git repository: a branch, optionally below a
 * folder. A remote repository (HTTP(S)) is fetched with isomorphic-git into a
 * bare cache repository (single branch, shallow), at most every
 * `refreshSeconds`; a local repository is read in place. Files are read from
 * the commit's tree (no work tree is checked out). The version is the head
 * commit of the branch.
 * @public
 */
export class GitManifestSource implements ManifestSource {
  readonly description: string;
  private readonly branch: string;
  private readonly subPath: string;
  private readonly remote: boolean;
  private readonly gitdir: string;
  private lastFetch = 0;
  private head?: string;
  private fetching?: Promise<string>;
  private fetchError?: string;

  constructor(private readonly options: GitManifestSourceOptions) {
    this.branch = options.branch ?? 'main';
    this.subPath = (options.path ?? '')
      .split(/[\\/]+/)
      .filter(s => s && s !== '.')
      .join('/');
    this.remote = isRemote(options.url);
    this.description = `git ${redact(options.url)}#${this.branch}${
      this.subPath ? `:${this.subPath}` : ''
    }`;
    if (this.remote) {
      const key = createHash('sha1')
        .update(`${options.url}\0${this.branch}`)
        .digest('hex')
        .slice(0, 16);
      const base =
        options.cacheDir ?? path.join(os.tmpdir(), 'backstage-cilium-git');
      this.gitdir = path.resolve(base, key);
    } else {
      const local = options.url.startsWith('file:')
        ? fileURLToPath(options.url)
        : options.url;
      const dotGit = path.join(local, '.git');
      this.gitdir = path.resolve(
        fs.existsSync(dotGit) && fs.statSync(dotGit).isDirectory()
          ? dotGit
          : local,
      );
    }
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private get trackingRef(): string {
    return `refs/remotes/origin/${this.branch.replace(/^refs\/heads\//, '')}`;
  }

  private async credentials(): Promise<GitAuth | undefined> {
    const { token, integrations, url } = this.options;
    if (token) return { username: 'x-access-token', password: token };
    const integration = integrations?.byUrl(url);
    if (!integration || !integrations) return undefined;
    if (integration.type === 'github') {
      const creds = await DefaultGithubCredentialsProvider.fromIntegrations(
        integrations,
      ).getCredentials({ url });
      return creds.token
        ? { username: 'x-access-token', password: creds.token }
        : undefined;
    }
    // Every integration type keeps its settings in `config`; the common interface does not declare it.
    const config = (
      integration as { config?: { token?: string; username?: string } }
    ).config;
    if (!config?.token) return undefined;
    return {
      username:
        config.username ??
        (integration.type === 'gitlab' ? 'oauth2' : 'x-access-token'),
      password: config.token,
    };
  }

  private async fetchRemote(): Promise<string> {
    await fs.promises.mkdir(this.gitdir, { recursive: true });
    if (!fs.existsSync(path.join(this.gitdir, 'HEAD'))) {
      await git.init({
        fs,
        gitdir: this.gitdir,
        bare: true,
        defaultBranch: 'main',
      });
    }
    await git.addRemote({
      fs,
      gitdir: this.gitdir,
      remote: 'origin',
      url: this.options.url,
      force: true,
    });
    let failedAuth = false;
    const result = await git
      .fetch({
        fs,
        http,
        gitdir: this.gitdir,
        remote: 'origin',
        ref: this.branch,
        singleBranch: true,
        depth: 1,
        tags: false,
        onAuth: async () => (await this.credentials()) ?? { cancel: true },
        onAuthFailure: () => {
          failedAuth = true;
          return { cancel: true };
        },
      })
      .catch(e => {
        throw new Error(
          `${failedAuth ? 'authentication failed: ' : ''}${errorMessage(e)}`,
        );
      });
    if (!result.fetchHead)
      throw new Error(`the remote has no branch "${this.branch}"`);
    await git.writeRef({
      fs,
      gitdir: this.gitdir,
      ref: this.trackingRef,
      value: result.fetchHead,
      force: true,
    });
    return result.fetchHead;
  }

  /**
   * The head commit, fetched when the last fetch is older than
   * `refreshSeconds`. When a fetch fails after an earlier one succeeded, the
   * earlier head is kept and the failure is remembered for `read()`.
   */
  private async resolveHead(): Promise<string> {
    if (!this.remote) {
      return git.resolveRef({ fs, gitdir: this.gitdir, ref: this.branch });
    }
    const interval = (this.options.refreshSeconds ?? 60) * 1000;
    if (this.head && this.now() - this.lastFetch < interval) return this.head;
    if (!this.fetching) {
      this.fetching = this.fetchRemote()
        .then(
          oid => {
            this.head = oid;
            this.fetchError = undefined;
            return oid;
          },
          e => {
            this.fetchError = errorMessage(e);
            if (this.head) return this.head;
            throw e;
          },
        )
        .finally(() => {
          this.lastFetch = this.now();
          this.fetching = undefined;
        });
    }
    return this.fetching;
  }

  async version(): Promise<string> {
    const head = await this.resolveHead();
    return this.fetchError ? `${head} (last fetch failed)` : head;
  }

  private async collect(
    treeOid: string,
    prefix: string,
    files: ManifestFile[],
    problems: SourceProblem[],
  ) {
    const { tree } = await git.readTree({
      fs,
      gitdir: this.gitdir,
      oid: treeOid,
    });
    const entries = [...(tree as TreeEntry[])].sort((a, b) =>
      a.path < b.path ? -1 : 1,
    );
    for (const e of entries) {
      if (e.path.startsWith('.')) continue;
      const rel = prefix ? `${prefix}/${e.path}` : e.path;
      if (e.type === 'tree') {
        await this.collect(e.oid, rel, files, problems);
      } else if (e.type === 'blob' && MANIFEST.test(e.path)) {
        try {
          const { blob } = await git.readBlob({
            fs,
            gitdir: this.gitdir,
            oid: e.oid,
          });
          files.push({ path: rel, text: Buffer.from(blob).toString('utf8') });
        } catch (err) {
          problems.push({
            source: rel,
            message: `cannot read file: ${errorMessage(err)}`,
          });
        }
      }
    }
  }

  async read(): Promise<ManifestSnapshot> {
    const problems: SourceProblem[] = [];
    let commit: string;
    try {
      commit = await this.resolveHead();
    } catch (e) {
      // Serve the last fetched commit of the cache (e.g. after a restart) when the remote is unreachable.
      const cached = this.remote
        ? await git
            .resolveRef({ fs, gitdir: this.gitdir, ref: this.trackingRef })
            .catch(() => undefined)
        : undefined;
      const message = `cannot ${this.remote ? 'fetch' : 'read'} branch "${
        this.branch
      }" of ${redact(this.options.url)}: ${errorMessage(e)}`;
      if (!cached)
        return {
          files: [],
          version: 'missing',
          problems: [{ source: redact(this.options.url), message }],
        };
      problems.push({
        source: redact(this.options.url),
        message: `${message} (showing the last fetched commit ${cached.slice(
          0,
          12,
        )})`,
      });
      commit = cached;
    }
    if (this.fetchError && !problems.length) {
      problems.push({
        source: redact(this.options.url),
        message: `cannot fetch branch "${this.branch}" of ${redact(
          this.options.url,
        )}: ${this.fetchError} (showing the last fetched commit ${commit.slice(
          0,
          12,
        )})`,
      });
    }
    const files: ManifestFile[] = [];
    try {
      const { oid } = await git.readTree({
        fs,
        gitdir: this.gitdir,
        oid: commit,
        filepath: this.subPath || undefined,
      });
      await this.collect(oid, '', files, problems);
    } catch (e) {
      problems.push({
        source: this.subPath || '/',
        message: `cannot read folder "${
          this.subPath || '/'
        }" at commit ${commit.slice(0, 12)}: ${errorMessage(e)}`,
      });
    }
    return { files, version: commit, problems };
  }
}
