import fs from 'fs';
import path from 'path';
import git, { PromiseFsClient } from 'isomorphic-git';
import type { DatabaseService } from '@backstage/backend-plugin-api';
import { singleLine } from '@cilium-zero-trust/cilium-policy-engine';
import { atomicFs } from './atomicFs';
import { renderCommitMessage } from './markdown';
import { databaseLock, LOCAL_GIT_LOCK, RepositoryLock } from './repositoryLock';
import {
  changeBranch,
  PolicyChange,
  PolicyPublisher,
  Publication,
} from './types';

/**
 * Options of {@link LocalGitPublisher}.
 *
 * @public
 */
export interface LocalGitPublisherOptions {
  /** The bare repository's folder (created when missing), e.g. `./data/gitops.git`. */
  path: string;
  /** A folder whose files become the first commit of a new repository (e.g. a checkout of the GitOps repository). */
  seedFrom?: string;
  /** The branch changes are merged into. Default `main`. */
  baseBranch?: string;
  /** Commit author. */
  author?: { name: string; email: string };
  now?: () => Date;
  /**
   * The database of the plugin that publishes (the cilium backend passes its
   * own). When it is PostgreSQL, every write to the repository (seeding,
   * publishing, merging) holds an advisory lock in it, so several backend
   * replicas can share one repository path (a volume each replica mounts at
   * this path): they take turns, and a replica that dies while writing
   * releases the lock with its connection. Without it, or on SQLite, writes
   * are serialised within this process only: run one replica.
   */
  database?: DatabaseService;
  /** How long a write waits for another replica's lock before it fails (and the outbox retries it). Default 60. */
  lockWaitSeconds?: number;
}

type TreeEntry = {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
};

/**
 * The embedded publisher: a bare git repository on the backend's disk,
 * written with isomorphic-git (no git binary needed). Each request gets a
 * branch `netpol/<id>` with one commit whose message carries the rationale;
 * publishing again only adds a commit when the files changed. A reviewer
 * merges from the portal (`merge`), which fast-forwards or merges into the
 * base branch.
 * @public
 */
export class LocalGitPublisher implements PolicyPublisher {
  readonly type = 'local-git';
  private readonly gitdir: string;
  private readonly base: string;
  private readonly fs: PromiseFsClient;
  private readonly lock: RepositoryLock;
  private queue: Promise<unknown> = Promise.resolve();
  private ready?: Promise<void>;

  constructor(private readonly options: LocalGitPublisherOptions) {
    this.gitdir = path.resolve(options.path);
    this.base = options.baseBranch ?? 'main';
    this.fs = atomicFs(path.join(this.gitdir, 'cilium-tmp'));
    this.lock = options.database
      ? databaseLock(options.database, LOCAL_GIT_LOCK, {
          waitSeconds: options.lockWaitSeconds ?? 60,
          holder: `the local-git repository ${this.gitdir}`,
        })
      : operation => operation();
  }

  /**
   * Serialises writes to the repository: within this process by a queue,
   * across replicas by the database lock (taken by one operation at a time,
   * so a process holds at most one connection for it).
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const locked = () => this.lock(fn);
    const run = this.queue.then(locked, locked);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private signature() {
    const now = this.options.now ? this.options.now() : new Date();
    const who = this.options.author ?? {
      name: 'Backstage Cilium',
      email: 'cilium-requests@backstage.invalid',
    };
    return {
      ...who,
      timestamp: Math.floor(now.getTime() / 1000),
      timezoneOffset: 0,
    };
  }

  private async ref(branch: string): Promise<string | undefined> {
    try {
      return await git.resolveRef({
        fs: this.fs,
        gitdir: this.gitdir,
        ref: `refs/heads/${branch}`,
      });
    } catch {
      return undefined;
    }
  }

  /** Creates the repository (and its seed commit) on first use. */
  async init(): Promise<void> {
    if (!this.ready) {
      this.ready = this.exclusive(async () => {
        if (!fs.existsSync(path.join(this.gitdir, 'HEAD'))) {
          await fs.promises.mkdir(this.gitdir, { recursive: true });
          await git.init({
            fs: this.fs,
            dir: this.gitdir,
            gitdir: this.gitdir,
            bare: true,
            defaultBranch: this.base,
          });
        }
        if (await this.ref(this.base)) return;
        const files = new Map<string, string | null>();
        if (this.options.seedFrom) {
          const root = path.resolve(this.options.seedFrom);
          const walk = (dir: string) => {
            for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
              if (ent.name.startsWith('.')) continue;
              const full = path.join(dir, ent.name);
              if (ent.isDirectory()) walk(full);
              else if (ent.isFile())
                files.set(
                  path.relative(root, full).split(path.sep).join('/'),
                  fs.readFileSync(full, 'utf8'),
                );
            }
          };
          walk(root);
        }
        const tree =
          (await this.applyFiles(undefined, files)) ??
          (await git.writeTree({ fs: this.fs, gitdir: this.gitdir, tree: [] }));
        const sig = this.signature();
        const oid = await git.writeCommit({
          fs: this.fs,
          gitdir: this.gitdir,
          commit: {
            message: `Seed the GitOps repository${
              this.options.seedFrom
                ? ` from ${path.basename(this.options.seedFrom)}`
                : ''
            }\n`,
            tree,
            parent: [],
            author: sig,
            committer: sig,
          },
        });
        await this.setBranch(this.base, oid);
      }).catch(error => {
        // Tried again on the next use (e.g. after waiting for another
        // replica's lock timed out).
        this.ready = undefined;
        throw error;
      });
    }
    return this.ready;
  }

  /** Writes a new tree: `base` with the files set (or deleted, for null). */
  private async applyFiles(
    base: string | undefined,
    files: Map<string, string | null>,
  ): Promise<string | undefined> {
    const entries = new Map<string, TreeEntry>();
    if (base) {
      for (const e of (
        await git.readTree({ fs: this.fs, gitdir: this.gitdir, oid: base })
      ).tree)
        entries.set(e.path, e as TreeEntry);
    }
    const nested = new Map<string, Map<string, string | null>>();
    for (const [p, content] of files) {
      const slash = p.indexOf('/');
      if (slash < 0) {
        if (content === null) entries.delete(p);
        else {
          const oid = await git.writeBlob({
            fs: this.fs,
            gitdir: this.gitdir,
            blob: Buffer.from(content, 'utf8'),
          });
          entries.set(p, { mode: '100644', path: p, oid, type: 'blob' });
        }
      } else {
        const dir = p.slice(0, slash);
        const sub = nested.get(dir) ?? new Map();
        sub.set(p.slice(slash + 1), content);
        nested.set(dir, sub);
      }
    }
    for (const [dir, sub] of nested) {
      const existing = entries.get(dir);
      const oid = await this.applyFiles(
        existing?.type === 'tree' ? existing.oid : undefined,
        sub,
      );
      if (oid)
        entries.set(dir, { mode: '040000', path: dir, oid, type: 'tree' });
      else entries.delete(dir);
    }
    if (!entries.size) return undefined;
    const tree = [...entries.values()].sort((a, b) =>
      a.path < b.path ? -1 : 1,
    );
    return git.writeTree({ fs: this.fs, gitdir: this.gitdir, tree });
  }

  /** Points `refs/heads/<branch>` at `oid`. */
  private async setBranch(branch: string, oid: string): Promise<void> {
    await git.writeRef({
      fs: this.fs,
      gitdir: this.gitdir,
      ref: `refs/heads/${branch}`,
      value: oid,
      force: true,
    });
  }

  private async treeOf(commit: string): Promise<string> {
    return (
      await git.readCommit({ fs: this.fs, gitdir: this.gitdir, oid: commit })
    ).commit.tree;
  }

  private async commit(
    parents: string[],
    tree: string,
    message: string,
  ): Promise<string> {
    const sig = this.signature();
    return git.writeCommit({
      fs: this.fs,
      gitdir: this.gitdir,
      commit: {
        message: `${message}\n`,
        tree,
        parent: parents,
        author: sig,
        committer: sig,
      },
    });
  }

  private publication(
    branch: string,
    state: Publication['state'],
  ): Publication {
    return {
      publisher: this.type,
      branch,
      url: `file://${this.gitdir}#${branch}`,
      state,
    };
  }

  async publish(change: PolicyChange): Promise<Publication> {
    await this.init();
    return this.exclusive(async () => {
      const branch = changeBranch(change);
      const files = new Map(
        change.files.map(f => [f.path, f.content] as const),
      );
      const head = await this.ref(branch);
      const baseHead = (await this.ref(this.base))!;
      if (head) {
        if (await this.isMerged(head))
          return this.publication(branch, 'merged');
        const headTree = await this.treeOf(head);
        const tree = (await this.applyFiles(headTree, files))!;
        if (tree !== headTree) {
          const oid = await this.commit(
            [head],
            tree,
            `${singleLine(change.title)} (updated)\n\n${renderCommitMessage(
              change,
            )}`,
          );
          await this.setBranch(branch, oid);
        }
        return this.publication(branch, 'open');
      }
      const tree = (await this.applyFiles(await this.treeOf(baseHead), files))!;
      const oid = await this.commit(
        [baseHead],
        tree,
        renderCommitMessage(change),
      );
      await this.setBranch(branch, oid);
      return this.publication(branch, 'open');
    });
  }

  private async isMerged(head: string): Promise<boolean> {
    const baseHead = await this.ref(this.base);
    if (!baseHead) return false;
    if (baseHead === head) return true;
    return git.isDescendent({
      fs: this.fs,
      gitdir: this.gitdir,
      oid: baseHead,
      ancestor: head,
      depth: -1,
    });
  }

  async status(publication: Publication): Promise<Publication['state']> {
    await this.init();
    const head = await this.ref(publication.branch);
    if (!head) return 'closed';
    return (await this.isMerged(head)) ? 'merged' : 'open';
  }

  async merge(
    change: PolicyChange,
    publication: Publication,
  ): Promise<Publication> {
    await this.init();
    return this.exclusive(async () => {
      const head = await this.ref(publication.branch);
      if (!head)
        throw new Error(
          `Branch ${publication.branch} does not exist in ${this.gitdir}; publish the change first`,
        );
      if (await this.isMerged(head))
        return this.publication(publication.branch, 'merged');
      const baseHead = (await this.ref(this.base))!;
      let oid: string;
      if (
        await git.isDescendent({
          fs: this.fs,
          gitdir: this.gitdir,
          oid: head,
          ancestor: baseHead,
          depth: -1,
        })
      ) {
        oid = head; // fast-forward
      } else {
        const files = new Map(
          change.files.map(f => [f.path, f.content] as const),
        );
        const tree = (await this.applyFiles(
          await this.treeOf(baseHead),
          files,
        ))!;
        oid = await this.commit(
          [baseHead, head],
          tree,
          `Merge ${singleLine(publication.branch)}: ${singleLine(
            change.title,
          )}`,
        );
      }
      await this.setBranch(this.base, oid);
      return this.publication(publication.branch, 'merged');
    });
  }

  /** Reads a file from a branch (default: the base branch); undefined when absent. */
  async readFile(
    filePath: string,
    branch = this.base,
  ): Promise<string | undefined> {
    await this.init();
    const head = await this.ref(branch);
    if (!head) return undefined;
    try {
      const { blob } = await git.readBlob({
        fs: this.fs,
        gitdir: this.gitdir,
        oid: head,
        filepath: filePath,
      });
      return Buffer.from(blob).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Commits of a branch, newest first (for tests and the README). */
  async log(
    branch: string,
  ): Promise<Array<{ oid: string; message: string; parents: string[] }>> {
    await this.init();
    if (!(await this.ref(branch))) return [];
    const commits = await git.log({
      fs: this.fs,
      gitdir: this.gitdir,
      ref: `refs/heads/${branch}`,
    });
    return commits.map(c => ({
      oid: c.oid,
      message: c.commit.message,
      parents: c.commit.parent,
    }));
  }

  /** Branch names. */
  async branches(): Promise<string[]> {
    await this.init();
    return git.listBranches({ fs: this.fs, gitdir: this.gitdir });
  }
}
