import { spawn } from 'child_process';
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { pathToFileURL } from 'url';
import git from 'isomorphic-git';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { GitManifestSource } from './GitManifestSource';

const author = { name: 'Test', email: 'test@example.invalid' };

/** Writes files into the work tree of `dir` and commits them all. */
async function commit(
  dir: string,
  files: Record<string, string | null>,
  message: string,
): Promise<string> {
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(dir, file);
    if (text === null) {
      fs.rmSync(full);
      await git.remove({ fs, dir, filepath: file });
    } else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
      await git.add({ fs, dir, filepath: file });
    }
  }
  return git.commit({ fs, dir, message, author });
}

/**
 * Serves the repositories under `root` over smart HTTP on 127.0.0.1 by
 * running `git http-backend` as a CGI program per request. When `token` is
 * set, requests must carry basic auth `x-access-token:<token>`.
 */
async function serveGit(root: string, token?: string) {
  const seen: Array<{ url: string; authorization?: string }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const expected = token
      ? `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
      : undefined;
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head
        .subarray(0, end)
        .toString('latin1')
        .split('\r\n')) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

describe('GitManifestSource', () => {
  let tmp: string;
  let repo: string;
  let first: string;

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'git-source-'));
    repo = path.join(tmp, 'gitops');
    fs.mkdirSync(repo);
    await git.init({ fs, dir: repo, defaultBranch: 'main' });
    first = await commit(
      repo,
      {
        'policies/checkout/default-deny.yaml':
          'kind: CiliumNetworkPolicy\nmetadata: { name: default-deny }\n',
        'policies/list.json': '{"kind":"List","items":[]}',
        'policies/README.md': '# not a manifest',
        'policies/.hidden/x.yaml': 'ignored: true\n',
        'other/elsewhere.yaml': 'kind: Namespace\n',
      },
      'first',
    );
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads the manifests under the sub-path of a local repository, with paths relative to it', async () => {
    const source = new GitManifestSource({ url: repo, path: 'policies' });
    const snapshot = await source.read();
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.files.map(f => f.path)).toEqual([
      'checkout/default-deny.yaml',
      'list.json',
    ]);
    expect(snapshot.files[0].text).toBe(
      'kind: CiliumNetworkPolicy\nmetadata: { name: default-deny }\n',
    );
    expect(snapshot.version).toBe(first);
    expect(await source.version()).toBe(first);
    expect(source.description).toBe(`git ${repo}#main:policies`);
  });

  it('reads the whole tree without a sub-path, and accepts a file URL', async () => {
    const snapshot = await new GitManifestSource({
      url: pathToFileURL(repo).toString(),
    }).read();
    expect(snapshot.files.map(f => f.path)).toEqual([
      'other/elsewhere.yaml',
      'policies/checkout/default-deny.yaml',
      'policies/list.json',
    ]);
  });

  it('changes its version on a new commit of the branch, and only then', async () => {
    const source = new GitManifestSource({ url: repo, path: 'policies' });
    const v1 = await source.version();
    expect(await source.version()).toBe(v1);

    // A commit on another branch does not change the version.
    await git.branch({ fs, dir: repo, ref: 'feature', checkout: true });
    await commit(
      repo,
      { 'policies/feature.yaml': 'kind: NetworkPolicy\n' },
      'feature',
    );
    await git.checkout({ fs, dir: repo, ref: 'main' });
    expect(await source.version()).toBe(v1);
    expect((await source.read()).files.map(f => f.path)).not.toContain(
      'feature.yaml',
    );

    const second = await commit(
      repo,
      {
        'policies/checkout/grant.yaml': 'kind: NetworkPolicy\n',
        'policies/list.json': null,
      },
      'second',
    );
    expect(await source.version()).toBe(second);
    const snapshot = await source.read();
    expect(snapshot.version).toBe(second);
    expect(snapshot.files.map(f => f.path)).toEqual([
      'checkout/default-deny.yaml',
      'checkout/grant.yaml',
    ]);
  });

  it('reads another branch when configured', async () => {
    await git.branch({ fs, dir: repo, ref: 'feature', checkout: true });
    const feature = await commit(
      repo,
      { 'policies/feature.yaml': 'kind: NetworkPolicy\n' },
      'feature',
    );
    const snapshot = await new GitManifestSource({
      url: repo,
      branch: 'feature',
      path: 'policies/',
    }).read();
    expect(snapshot.version).toBe(feature);
    expect(snapshot.files.map(f => f.path)).toContain('feature.yaml');
  });

  it('reports a missing sub-path, a missing branch and a missing repository as problems', async () => {
    const noFolder = await new GitManifestSource({
      url: repo,
      path: 'nope',
    }).read();
    expect(noFolder.files).toEqual([]);
    expect(noFolder.version).toBe(first);
    expect(noFolder.problems).toHaveLength(1);
    expect(noFolder.problems[0].message).toMatch(/cannot read folder "nope"/);

    const noBranch = await new GitManifestSource({
      url: repo,
      branch: 'nope',
    }).read();
    expect(noBranch.files).toEqual([]);
    expect(noBranch.problems[0].message).toMatch(/cannot read branch "nope"/);

    const noRepo = await new GitManifestSource({
      url: path.join(tmp, 'missing'),
    }).read();
    expect(noRepo.files).toEqual([]);
    expect(noRepo.problems[0].message).toMatch(/cannot read branch "main"/);
  });

  it('reports an unreachable or malformed URL as a problem without throwing', async () => {
    // Port 9 on loopback: nothing listens there.
    const unreachable = await new GitManifestSource({
      url: 'http://127.0.0.1:9/gitops.git',
      cacheDir: path.join(tmp, 'cache'),
    }).read();
    expect(unreachable.files).toEqual([]);
    expect(unreachable.problems[0].message).toMatch(
      /cannot fetch branch "main" of http:\/\/127\.0\.0\.1:9\/gitops\.git/,
    );

    const malformed = await new GitManifestSource({
      url: 'http://',
      cacheDir: path.join(tmp, 'cache'),
    }).read();
    expect(malformed.files).toEqual([]);
    expect(malformed.problems[0].message).toMatch(/cannot fetch/);
  });

  describe('over HTTP (git http-backend on loopback)', () => {
    let server: Awaited<ReturnType<typeof serveGit>>;
    afterEach(() => server?.close());

    it('fetches the branch head, at most every refreshSeconds, and reads it', async () => {
      server = await serveGit(tmp);
      let now = 1_000_000;
      const source = new GitManifestSource({
        url: `${server.base}/gitops/.git`,
        path: 'policies',
        refreshSeconds: 30,
        cacheDir: path.join(tmp, 'cache'),
        now: () => now,
      });
      expect(await source.version()).toBe(first);
      const snapshot = await source.read();
      expect(snapshot.problems).toEqual([]);
      expect(snapshot.files.map(f => f.path)).toEqual([
        'checkout/default-deny.yaml',
        'list.json',
      ]);
      const requests = server.seen.length;

      const second = await commit(
        repo,
        { 'policies/checkout/grant.yaml': 'kind: NetworkPolicy\n' },
        'second',
      );
      now += 10_000;
      expect(await source.version()).toBe(first); // not fetched again yet
      expect(server.seen.length).toBe(requests);
      now += 30_000;
      expect(await source.version()).toBe(second);
      expect(server.seen.length).toBeGreaterThan(requests);
      expect((await source.read()).files.map(f => f.path)).toEqual([
        'checkout/default-deny.yaml',
        'checkout/grant.yaml',
        'list.json',
      ]);
    });

    it('keeps serving the last fetched commit when the remote goes away, with a problem', async () => {
      server = await serveGit(tmp);
      let now = 0;
      const options = {
        url: `${server.base}/gitops/.git`,
        path: 'policies',
        refreshSeconds: 1,
        cacheDir: path.join(tmp, 'cache'),
        now: () => now,
      };
      const running = new GitManifestSource(options);
      expect((await running.read()).version).toBe(first);
      await server.close();
      now += 5000;
      // The same instance keeps its head; the failure changes the version once and shows as a problem.
      const failed = await running.version();
      expect(failed).toBe(`${first} (last fetch failed)`);
      const stale = await running.read();
      expect(stale.files.map(f => f.path)).toEqual([
        'checkout/default-deny.yaml',
        'list.json',
      ]);
      expect(stale.problems).toHaveLength(1);
      expect(stale.problems[0].message).toMatch(
        /cannot fetch .* \(showing the last fetched commit/,
      );
      now += 5000;
      expect(await running.version()).toBe(failed);
      // A new instance (as after a restart) over the same cache folder.
      const snapshot = await new GitManifestSource(options).read();
      expect(snapshot.version).toBe(first);
      expect(snapshot.files.map(f => f.path)).toEqual([
        'checkout/default-deny.yaml',
        'list.json',
      ]);
      expect(snapshot.problems[0].message).toMatch(
        /showing the last fetched commit/,
      );
    });

    it('authenticates with a token, or with the credentials of a matching integration', async () => {
      server = await serveGit(tmp, 's3cret');
      const url = `${server.base}/gitops/.git`;

      const anonymous = await new GitManifestSource({
        url,
        cacheDir: path.join(tmp, 'c1'),
      }).read();
      expect(anonymous.files).toEqual([]);
      expect(anonymous.problems[0].message).toMatch(/cannot fetch/);

      const wrong = await new GitManifestSource({
        url,
        token: 'nope',
        cacheDir: path.join(tmp, 'c2'),
      }).read();
      expect(wrong.problems[0].message).toMatch(/authentication failed/);

      const withToken = await new GitManifestSource({
        url,
        token: 's3cret',
        path: 'policies',
        cacheDir: path.join(tmp, 'c3'),
      }).read();
      expect(withToken.problems).toEqual([]);
      expect(withToken.files).toHaveLength(2);
      const basic = `Basic ${Buffer.from('x-access-token:s3cret').toString(
        'base64',
      )}`;
      expect(server.seen.some(r => r.authorization === basic)).toBe(true);

      const host = new URL(server.base).host;
      const integrations = ScmIntegrations.fromConfig(
        new ConfigReader({
          integrations: {
            github: [
              { host, apiBaseUrl: `${server.base}/api/v3`, token: 's3cret' },
            ],
          },
        }),
      );
      const viaIntegration = await new GitManifestSource({
        url,
        integrations,
        path: 'policies',
        cacheDir: path.join(tmp, 'c4'),
      }).read();
      expect(viaIntegration.problems).toEqual([]);
      expect(viaIntegration.files).toHaveLength(2);
    });
  });
});
