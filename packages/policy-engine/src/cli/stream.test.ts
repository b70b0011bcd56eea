import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { WORLD_YAML } from '../__fixtures__/world';
import { diffEngines } from '../evaluate/diff';
import { PolicyEngine } from '../evaluate/engine';
import { lint } from '../lint/lint';
import { loadDirectory } from '../load/load-directory';
import { connLines, formatConnlist, ListFormat } from '../output/connlist';
import { DiffFormat, formatDiff } from '../output/diff';
import { bigintAsString, jsonArrayChunks } from '../output/json';
import { run } from './main';
import { streamWriter, WRITE_BATCH_CHARS } from './write';

/** Policies over the fixture world: L7, deny, FQDN with DNS, CIDR with except, entities, KNP. */
const POLICIES_YAML = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: frontend, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: frontend } }
  ingress:
    - fromEntities: [world]
      toPorts: [{ ports: [{ port: http, protocol: TCP }], rules: { http: [{ method: GET, path: "/.*" }] } }]
  egress:
    - toEndpoints: [{ matchLabels: { app: checkout } }]
      toPorts: [{ ports: [{ port: grpc, protocol: TCP }] }]
    - toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": kube-system, k8s-app: kube-dns } }]
      toPorts: [{ ports: [{ port: "53", protocol: ANY }], rules: { dns: [{ matchPattern: "*.example.com" }] } }]
    - toFQDNs: [{ matchName: api.example.com }, { matchPattern: "*.cdn.example.com" }]
      toPorts: [{ ports: [{ port: "443" }] }]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: checkout, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: checkout } }
  ingress:
    - fromEndpoints: [{ matchExpressions: [{ key: tier, operator: In, values: [web, api] }] }]
    - fromEndpoints: [{ matchExpressions: [{ key: "k8s:io.kubernetes.pod.namespace", operator: Exists }] }]
  ingressDeny:
    - fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": dev } }]
      toPorts: [{ ports: [{ port: grpc, protocol: TCP }] }]
  egress:
    - toCIDRSet: [{ cidr: 10.0.0.0/8, except: [10.1.0.0/16] }]
      toPorts: [{ ports: [{ port: "5432" }, { port: "9090", endPort: 9099 }] }]
    - toEntities: [kube-apiserver]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: payments, namespace: pay }
spec:
  podSelector: { matchLabels: { app: payments } }
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: { matchLabels: { team: shop } }
          podSelector: { matchExpressions: [{ key: tier, operator: Exists }] }
      ports: [{ port: https }, { port: 5353, protocol: UDP }]
`;

function tmpDir(files: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-stream-'));
  for (const [n, t] of Object.entries(files))
    fs.writeFileSync(path.join(d, n), t);
  return d;
}

/**
 * A writable that takes a write only on the next turn of the event loop and
 * has a tiny buffer: every write fills it, so a writer that ignores
 * back-pressure would pile up output in `writableLength`.
 */
class SlowSink extends Writable {
  chunks: string[] = [];
  writesWhileFull = 0;
  maxBuffered = 0;
  constructor() {
    super({ highWaterMark: 1024, decodeStrings: false });
  }
  write(chunk: any, ...rest: any[]): boolean {
    if (this.writableNeedDrain) this.writesWhileFull++;
    const ok = super.write(chunk, ...rest);
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    return ok;
  }
  _write(chunk: any, _enc: string, cb: (e?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    setTimeout(cb, 0); // taken on a later turn of the event loop
  }
  text(): string {
    return this.chunks.join('');
  }
}

async function cliStreamed(args: string[]) {
  const sink = new SlowSink();
  let err = '';
  const code = await run(args, {
    stdout: streamWriter(sink),
    stderr: s => {
      err += s;
    },
  });
  return { code, sink, out: sink.text(), err };
}

describe('streamed CLI output', () => {
  const worldOnly = tmpDir({ 'world.yaml': WORLD_YAML });
  const withPolicies = tmpDir({
    'world.yaml': WORLD_YAML,
    'policies.yaml': POLICIES_YAML,
  });
  const fixtures = { worldOnly, withPolicies };
  const engineOf = (dir: string) => new PolicyEngine(loadDirectory([dir]));

  it.each(Object.entries(fixtures))(
    'list: every format streamed equals the one-string formatter (%s)',
    async (_name, dir) => {
      const edges = engineOf(dir).graph().edges;
      expect(connLines(edges).length).toBeGreaterThan(5);
      for (const fmt of ['txt', 'json', 'md', 'csv', 'dot'] as ListFormat[]) {
        const r = await cliStreamed(['list', '--dir', dir, '-o', fmt]);
        expect({ fmt, code: r.code, err: r.err }).toEqual({
          fmt,
          code: 0,
          err: '',
        });
        expect(r.out).toBe(formatConnlist(edges, fmt));
        expect(r.sink.writesWhileFull).toBe(0);
      }
    },
  );

  it('list -o json equals JSON.stringify of the whole list and keeps the provenance', async () => {
    const edges = engineOf(withPolicies).graph().edges;
    const out = (
      await cliStreamed(['list', '--dir', withPolicies, '-o', 'json'])
    ).out;
    const parsed = JSON.parse(out);
    // the one-call form the streamed text must reproduce byte for byte
    expect(out).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
    const withDeny = parsed.find((e: any) => e.ingress?.deniedBy?.length);
    expect(withDeny?.dst).toBe('shop/checkout[Deployment]');
    expect(parsed.some((e: any) => e.dst.endsWith('[FQDN]'))).toBe(true);
    expect(
      parsed.some((e: any) => e.ingress?.allowedBy?.some((g: any) => g.l7)),
    ).toBe(true);
    expect(parsed.map((e: any) => `${e.src} ${e.dst} ${e.conn}`)).toEqual(
      connLines(edges).map(l => `${l.src} ${l.dst} ${l.conn}`),
    );
  });

  it('diff, coverage and lint: streamed output equals the one-string forms', async () => {
    const a = engineOf(worldOnly);
    const b = engineOf(withPolicies);
    const entries = diffEngines(a, b);
    expect(entries.length).toBeGreaterThan(5);
    for (const fmt of ['txt', 'csv', 'md', 'json'] as DiffFormat[]) {
      const r = await cliStreamed([
        'diff',
        '--dir1',
        worldOnly,
        '--dir2',
        withPolicies,
        '-o',
        fmt,
      ]);
      expect(r.code).toBe(1);
      expect(r.out).toBe(formatDiff(entries, fmt));
      const same = await cliStreamed([
        'diff',
        '--dir1',
        worldOnly,
        '--dir2',
        worldOnly,
        '-o',
        fmt,
      ]);
      expect(same.out).toBe(fmt === 'json' ? '[]\n' : '');
    }
    const cov = b.coverage();
    const covJson = await cliStreamed([
      'coverage',
      '--dir',
      withPolicies,
      '-o',
      'json',
    ]);
    const covParsed = JSON.parse(covJson.out);
    expect(covJson.out).toBe(`${JSON.stringify(covParsed, null, 2)}\n`);
    expect(covParsed.map((c: any) => c.workload)).toEqual(
      cov.map(c => c.workload.id),
    );
    const covTxt = await cliStreamed(['coverage', '--dir', withPolicies]);
    const open = cov.filter(c => !c.ingress.isolated || !c.egress.isolated);
    expect(covTxt.out.trim().split('\n').pop()).toBe(
      `${cov.length - open.length}/${
        cov.length
      } workloads isolated in both directions`,
    );
    const findings = lint(b).filter(f => f.severity !== 'info');
    const lintJson = await cliStreamed([
      'lint',
      '--dir',
      withPolicies,
      '-o',
      'json',
    ]);
    expect(lintJson.out).toBe(`${JSON.stringify(findings, null, 2)}\n`);
    const lintTxt = await cliStreamed(['lint', '--dir', withPolicies]);
    expect(lintTxt.out.endsWith(`${findings.length} finding(s)\n`)).toBe(true);
  });
});

describe('list -o json of a world with many edges', () => {
  // 70 workloads in two namespaces, each allowed to reach every other one in
  // its namespace and the other namespace's api tier: ~2,900 edges with
  // provenance on both sides, a few MB of JSON.
  const docs: string[] = [];
  for (const ns of ['a', 'b'])
    docs.push(
      `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns}, labels: { side: ${ns} } }`,
    );
  for (let i = 0; i < 70; i++) {
    const ns = i % 2 ? 'b' : 'a';
    docs.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: w${i}, namespace: ${ns} }\nspec: { template: { metadata: { labels: { app: w${i}, tier: ${
        i % 3 ? 'web' : 'api'
      } } }, spec: { containers: [{ ports: [{ name: http, containerPort: ${
        8000 + (i % 5)
      } }] }] } } }`,
    );
  }
  for (const ns of ['a', 'b'])
    docs.push(`apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: mesh, namespace: ${ns} }
spec:
  endpointSelector: {}
  ingress:
    - fromEndpoints: [{}]
      toPorts: [{ ports: [{ port: http, protocol: TCP }] }]
    - fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": ${
      ns === 'a' ? 'b' : 'a'
    } }, matchExpressions: [{ key: tier, operator: In, values: [api] }] }]
  egress:
    - toEndpoints: [{}]
    - toEndpoints: [{ matchLabels: { tier: api, "k8s:io.kubernetes.pod.namespace": ${
      ns === 'a' ? 'b' : 'a'
    } } }]`);
  const dir = tmpDir({ 'world.yaml': docs.join('\n---\n') });

  it('is valid JSON with the engine edges, written in batches that wait for drain', async () => {
    const engine = new PolicyEngine(loadDirectory([dir]));
    const expected = connLines(engine.graph().edges);
    expect(expected.length).toBeGreaterThan(2500);

    const r = await cliStreamed(['list', '--dir', dir, '-o', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out);
    expect(
      parsed.map((e: { src: string; dst: string; conn: string }) => ({
        src: e.src,
        dst: e.dst,
        conn: e.conn,
      })),
    ).toEqual(expected);
    expect(parsed[0].egress.allowedBy[0].rule).toMatch(
      /^CiliumNetworkPolicy [ab]\/mesh rule \d+ egress\[\d+\]$/,
    );

    // chunked: many writes, none much bigger than one batch
    expect(r.out.length).toBeGreaterThan(20 * WRITE_BATCH_CHARS);
    expect(r.sink.chunks.length).toBeGreaterThan(20);
    const biggest = Math.max(...r.sink.chunks.map(c => c.length));
    expect(biggest).toBeLessThan(WRITE_BATCH_CHARS + 4096);
    // back-pressure: never written while the sink asked to drain, so at most
    // one batch was ever queued in it
    expect(r.sink.writesWhileFull).toBe(0);
    expect(r.sink.maxBuffered).toBeLessThanOrEqual(biggest);
  });

  it('stops with exit code 2 and a message when the output fails', async () => {
    let written = 0;
    const broken = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        written++;
        const e = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        setTimeout(() => cb(e), 0);
      },
    });
    let err = '';
    const code = await run(['list', '--dir', dir, '-o', 'json'], {
      stdout: streamWriter(broken),
      stderr: s => {
        err += s;
      },
    });
    expect(code).toBe(2);
    expect(err).toBe('error: cannot write the output: write EPIPE\n');
    expect(written).toBe(1);
  });
});

describe('jsonArrayChunks', () => {
  it.each([
    ['empty', []],
    ['numbers and nulls', [1, null, undefined, 2.5]],
    [
      'nested objects and strings with line breaks',
      [
        { a: 'x\ny', b: [1, { c: [] }], d: {} },
        { e: 'ü\u2028\t"' },
        [[], [[1]]],
      ],
    ],
    ['bigints (with the replacer)', [{ start: 10n, end: 2n ** 70n }]],
  ])('gives JSON.stringify(list, replacer, 2) + newline: %s', (_n, list) => {
    const replacer = (_k: string, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v;
    expect([...jsonArrayChunks(list as unknown[], replacer)].join('')).toBe(
      `${JSON.stringify(list, replacer, 2)}\n`,
    );
  });

  it('with bigintAsString, elements with and without bigints (plain stringify first)', () => {
    const list = [
      { a: 1, b: 'x' },
      { start: 10n, nested: [{ end: 2n ** 70n }] },
      { c: [true, null] },
    ];
    expect([...jsonArrayChunks(list, bigintAsString)].join('')).toBe(
      `${JSON.stringify(list, bigintAsString, 2)}\n`,
    );
  });
});
