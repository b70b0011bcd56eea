import { ConfigReader } from '@backstage/config';
import { registerMswTestHooks } from '@backstage/backend-test-utils';
import { createHash } from 'crypto';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { GitHubPublisher } from './GitHubPublisher';
import type { PolicyChange } from '@cilium-zero-trust/plugin-cilium-node';

/** A small in-memory GitHub: refs, trees, commits, pull requests. */
class FakeGitHub {
  refs = new Map<string, string>();
  trees = new Map<string, Map<string, string>>();
  commits = new Map<
    string,
    { tree: string; parents: string[]; message: string }
  >();
  pulls: Array<{
    number: number;
    head: string;
    base: string;
    title: string;
    body: string;
    state: string;
    merged: boolean;
    reviewers: string[];
    teams: string[];
    labels: string[];
  }> = [];
  authHeaders = new Set<string>();

  constructor() {
    const tree = this.tree(
      new Map([
        ['policies/checkout/default-deny.yaml', 'kind: CiliumNetworkPolicy\n'],
      ]),
    );
    const sha = this.commit(tree, [], 'seed');
    this.refs.set('heads/main', sha);
  }

  private sha(text: string) {
    return createHash('sha1').update(text).digest('hex');
  }

  tree(files: Map<string, string>) {
    const sha = this.sha(JSON.stringify([...files.entries()].sort()));
    this.trees.set(sha, files);
    return sha;
  }

  commit(tree: string, parents: string[], message: string) {
    const sha = this.sha(
      `${tree}${parents.join()}${message}${this.commits.size}`,
    );
    this.commits.set(sha, { tree, parents, message });
    return sha;
  }

  handlers() {
    const base = 'https://api.github.com/repos/tern/gitops';
    const track = (request: Request) =>
      this.authHeaders.add(request.headers.get('authorization') ?? '');
    return [
      http.get(base, ({ request }) => {
        track(request);
        return HttpResponse.json({ default_branch: 'main' });
      }),
      http.get(`${base}/git/ref/*`, ({ request }) => {
        const ref = decodeURIComponent(
          new URL(request.url).pathname.split('/git/ref/')[1],
        );
        const sha = this.refs.get(ref);
        return sha
          ? HttpResponse.json({ ref: `refs/${ref}`, object: { sha } })
          : HttpResponse.json({ message: 'Not Found' }, { status: 404 });
      }),
      http.post(`${base}/git/refs`, async ({ request }) => {
        const body = (await request.json()) as any;
        this.refs.set(body.ref.replace(/^refs\//, ''), body.sha);
        return HttpResponse.json(
          { ref: body.ref, object: { sha: body.sha } },
          { status: 201 },
        );
      }),
      http.patch(`${base}/git/refs/*`, async ({ request }) => {
        const ref = decodeURIComponent(
          new URL(request.url).pathname.split('/git/refs/')[1],
        );
        const body = (await request.json()) as any;
        this.refs.set(ref, body.sha);
        return HttpResponse.json({ ref, object: { sha: body.sha } });
      }),
      http.get(`${base}/git/commits/:sha`, ({ params }) => {
        const c = this.commits.get(String(params.sha));
        return c
          ? HttpResponse.json({ sha: params.sha, tree: { sha: c.tree } })
          : HttpResponse.json({}, { status: 404 });
      }),
      http.post(`${base}/git/trees`, async ({ request }) => {
        const body = (await request.json()) as any;
        const files = new Map(this.trees.get(body.base_tree) ?? []);
        for (const e of body.tree) {
          if (e.sha === null) files.delete(e.path);
          else files.set(e.path, e.content);
        }
        return HttpResponse.json({ sha: this.tree(files) }, { status: 201 });
      }),
      http.post(`${base}/git/commits`, async ({ request }) => {
        const body = (await request.json()) as any;
        return HttpResponse.json(
          { sha: this.commit(body.tree, body.parents, body.message) },
          { status: 201 },
        );
      }),
      http.get(`${base}/pulls`, ({ request }) => {
        const head = new URL(request.url).searchParams.get('head') ?? '';
        const list = this.pulls.filter(p => `tern:${p.head}` === head);
        return HttpResponse.json(
          list.map(p => ({
            number: p.number,
            state: p.state,
            merged_at: p.merged ? '2030-01-01T00:00:00Z' : null,
            html_url: `https://github.com/tern/gitops/pull/${p.number}`,
          })),
        );
      }),
      http.post(`${base}/pulls`, async ({ request }) => {
        const body = (await request.json()) as any;
        const number = this.pulls.length + 1;
        this.pulls.push({
          number,
          head: body.head,
          base: body.base,
          title: body.title,
          body: body.body,
          state: 'open',
          merged: false,
          reviewers: [],
          teams: [],
          labels: [],
        });
        return HttpResponse.json(
          { number, html_url: `https://github.com/tern/gitops/pull/${number}` },
          { status: 201 },
        );
      }),
      http.patch(`${base}/pulls/:n`, async ({ params, request }) => {
        const body = (await request.json()) as any;
        const pr = this.pulls.find(p => p.number === Number(params.n))!;
        Object.assign(pr, { title: body.title, body: body.body });
        return HttpResponse.json({ number: pr.number });
      }),
      http.get(`${base}/pulls/:n`, ({ params }) => {
        const pr = this.pulls.find(p => p.number === Number(params.n))!;
        return HttpResponse.json({
          number: pr.number,
          state: pr.state,
          merged: pr.merged,
        });
      }),
      http.post(
        `${base}/pulls/:n/requested_reviewers`,
        async ({ params, request }) => {
          const body = (await request.json()) as any;
          const pr = this.pulls.find(p => p.number === Number(params.n))!;
          pr.reviewers.push(...body.reviewers);
          pr.teams.push(...body.team_reviewers);
          return HttpResponse.json({}, { status: 201 });
        },
      ),
      http.post(`${base}/issues/:n/labels`, async ({ params, request }) => {
        const body = (await request.json()) as any;
        this.pulls
          .find(p => p.number === Number(params.n))!
          .labels.push(...body.labels);
        return HttpResponse.json([]);
      }),
    ];
  }

  filesOf(branch: string) {
    return this.trees.get(
      this.commits.get(this.refs.get(`heads/${branch}`)!)!.tree,
    )!;
  }
}

const change: PolicyChange = {
  id: 'req-0a1b2c3d',
  kind: 'grant',
  title: 'netpol(dev): allow checkout → payments TCP 8443 [req-0a1b2c3d]',
  summary:
    'Allow component:default/checkout → component:default/payments on TCP 8443: egress on the source and ingress on the destination.',
  requester: 'user:default/jane.doe',
  justification: 'Checkout takes card payments through the payments service.',
  files: [
    {
      path: 'policies/checkout/allow-egress-from-checkout-to-payments-req-0a1b2c3d.yaml',
      content: 'kind: CiliumNetworkPolicy\n# egress\n',
    },
    {
      path: 'policies/checkout/allow-ingress-to-payments-from-checkout-req-0a1b2c3d.yaml',
      content: 'kind: CiliumNetworkPolicy\n# ingress\n',
    },
  ],
  diff: {
    added: [
      {
        src: 'checkout/checkout[Deployment]',
        dst: 'checkout/payments[Deployment]',
        before: 'No Connections',
        after: 'TCP 8443',
        expected: true,
      },
    ],
    removed: [],
  },
  findings: [],
  replay: {
    flowsReplayed: 12,
    newlyAllowed: [
      {
        time: '2030-01-01T00:00:00.000Z',
        source: 'checkout/checkout-1',
        destination: 'checkout/payments-1',
        port: 8443,
        protocol: 'TCP',
      },
    ],
    newlyDropped: [],
  },
  approvals: [{ role: 'reviewer', by: 'user:default/priya.raman' }],
};

describe('GitHubPublisher', () => {
  const github = new FakeGitHub();
  const server = setupServer(...github.handlers());
  registerMswTestHooks(server);

  const config = new ConfigReader({
    integrations: { github: [{ host: 'github.com', token: 'test-token' }] },
  });
  const publisher = GitHubPublisher.fromConfig(
    config,
    new ConfigReader({
      repoUrl: 'https://github.com/tern/gitops',
      reviewers: ['priya-raman'],
      teamReviewers: ['platform-team'],
    }),
  );

  it('opens one pull request with the files in one commit, the rationale, the diff table and reviewers; re-publishing updates it', async () => {
    const first = await publisher.publish(change);
    expect(first).toEqual({
      publisher: 'github',
      branch: 'netpol/req-0a1b2c3d',
      url: 'https://github.com/tern/gitops/pull/1',
      number: 1,
      state: 'open',
    });
    expect([...github.authHeaders]).toEqual(['token test-token']);
    const files = github.filesOf('netpol/req-0a1b2c3d');
    expect([...files.keys()].sort()).toEqual([
      'policies/checkout/allow-egress-from-checkout-to-payments-req-0a1b2c3d.yaml',
      'policies/checkout/allow-ingress-to-payments-from-checkout-req-0a1b2c3d.yaml',
      'policies/checkout/default-deny.yaml',
    ]);
    const pr = github.pulls[0];
    expect(pr).toMatchObject({
      base: 'main',
      head: 'netpol/req-0a1b2c3d',
      reviewers: ['priya-raman'],
      teams: ['platform-team'],
      labels: ['network-policy'],
    });
    expect(pr.body).toContain(change.summary);
    expect(pr.body).toContain('**Requester:** user:default/jane.doe');
    expect(pr.body).toContain(change.justification);
    expect(pr.body).toContain(
      // Brackets escaped (they could start a link); rendered as typed.
      '| added | checkout/checkout\\[Deployment\\] | checkout/payments\\[Deployment\\] | No Connections | TCP 8443 |',
    );
    expect(pr.body).toContain(
      '```yaml\nkind: CiliumNetworkPolicy\n# egress\n```',
    );
    expect(pr.body).toContain(
      'Replayed 12 recent flows: 1 dropped flows would be allowed',
    );
    const commitsBefore = github.commits.size;

    const again = await publisher.publish(change);
    expect(again.number).toBe(1);
    expect(github.pulls).toHaveLength(1);
    expect(github.commits.size).toBe(commitsBefore); // same files: no new commit

    const changed = await publisher.publish({
      ...change,
      files: [
        {
          ...change.files[0],
          content: 'kind: CiliumNetworkPolicy\n# egress v2\n',
        },
        change.files[1],
      ],
    });
    expect(changed.number).toBe(1);
    expect(github.pulls).toHaveLength(1);
    expect(
      github.filesOf('netpol/req-0a1b2c3d').get(change.files[0].path),
    ).toContain('v2');
  });

  it('reports the pull request state and finds a merged one instead of opening another', async () => {
    expect(
      await publisher.status({
        publisher: 'github',
        branch: 'netpol/req-0a1b2c3d',
        number: 1,
        state: 'open',
      }),
    ).toBe('open');
    github.pulls[0].merged = true;
    github.pulls[0].state = 'closed';
    expect(
      await publisher.status({
        publisher: 'github',
        branch: 'netpol/req-0a1b2c3d',
        number: 1,
        state: 'open',
      }),
    ).toBe('merged');
    expect((await publisher.publish(change)).state).toBe('merged');
    expect(github.pulls).toHaveLength(1);
  });

  it('deletes files for a removal change', async () => {
    await publisher.publish({
      ...change,
      id: 'req-0a1b2c3d-rm',
      kind: 'removal',
      files: [{ path: change.files[0].path, content: null }],
    });
    expect(
      github.filesOf('netpol/req-0a1b2c3d-rm').has(change.files[0].path),
    ).toBe(false);
  });

  it('says what to configure when no integration matches', async () => {
    const other = GitHubPublisher.fromConfig(
      new ConfigReader({}),
      new ConfigReader({ repoUrl: 'https://github.example.com/tern/gitops' }),
    );
    await expect(other.publish(change)).rejects.toThrow(/integrations.github/);
  });
});
