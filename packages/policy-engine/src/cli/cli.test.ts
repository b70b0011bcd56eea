import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PolicyEngine } from '../evaluate/engine';
import { loadDirectory } from '../load/load-directory';
import { formatConnlist } from '../output/connlist';
import { run } from './main';

const POLICIES = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec: { template: { metadata: { labels: { app: web } }, spec: { containers: [{ ports: [{ name: http, containerPort: 8080 }] }] } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec: { template: { metadata: { labels: { app: api } } } }
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: web } }
  ingress:
    - fromEndpoints: [{ matchLabels: { app: api } }]
      toPorts: [{ ports: [{ port: http, protocol: TCP }] }]
  egress: [{}]
`;

function tmpDir(files: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-'));
  for (const [n, t] of Object.entries(files))
    fs.writeFileSync(path.join(d, n), t);
  return d;
}

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await run(args, {
    stdout: s => {
      out += s;
    },
    stderr: s => {
      err += s;
    },
  });
  return { code, out, err };
}

describe('cilium-connect', () => {
  const dir = tmpDir({ 'a.yaml': POLICIES });
  const dir2 = tmpDir({
    'a.yaml': POLICIES.replace(
      'egress: [{}]',
      'egress: [{ toEndpoints: [{}] }]',
    ),
  });

  it('list prints sorted connlist lines in every format', async () => {
    const r = await cli(['list', '--dir', dir]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toContain(
      'shop/api[Deployment] => shop/web[Deployment] : TCP 8080',
    );
    expect(lines).not.toContain(
      'shop/web[Deployment] => shop/api[Deployment] : All Connections',
    );
    expect([...lines].sort()).toEqual(lines);
    expect(
      JSON.parse((await cli(['list', '--dir', dir, '-o', 'json'])).out)[0],
    ).toHaveProperty('conn');
    expect(
      (await cli(['list', '--dir', dir, '-o', 'csv'])).out.split('\n')[0],
    ).toBe('src,dst,conn');
    expect(
      (await cli(['list', '--dir', dir, '-o', 'md'])).out.split('\n')[0],
    ).toBe('| src | dst | conn |');
    expect((await cli(['list', '--dir', dir, '-o', 'dot'])).out).toMatch(
      /^digraph \{/,
    );
    const focus = (
      await cli([
        'list',
        '--dir',
        dir,
        '--focus',
        'shop/web',
        '--focus-direction',
        'ingress',
      ])
    ).out
      .trim()
      .split('\n');
    expect(focus.every(l => l.includes('=> shop/web[Deployment]'))).toBe(true);
  });

  it('eval: verdict, why, exit code', async () => {
    const ok = await cli([
      'eval',
      '--dir',
      dir,
      '-s',
      'shop/api',
      '-d',
      'shop/web',
      '-p',
      '8080',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ALLOWED/);
    expect(ok.out).toMatch(
      /allowed by CiliumNetworkPolicy shop\/web rule 0 ingress\[0\]/,
    );
    const no = await cli([
      'eval',
      '--dir',
      dir,
      '-s',
      'shop/web',
      '-d',
      'shop/api',
      '-p',
      '53/UDP',
    ]);
    expect(no.code).toBe(1);
    expect(no.out).toMatch(/^DENIED.*dropped at egress/);
  });

  it('diff, coverage, lint and exit codes', async () => {
    const d = await cli(['diff', '--dir1', dir, '--dir2', dir2]);
    expect(d.code).toBe(1);
    expect(d.out).toMatch(
      /diff-type: added, source: shop\/web\[Deployment\], destination: shop\/api\[Deployment\]/,
    );
    expect((await cli(['diff', '--dir1', dir, '--dir2', dir])).code).toBe(0);
    const c = await cli(['coverage', '--dir', dir]);
    expect(c.code).toBe(1);
    expect(c.out).toMatch(
      /shop\/api\[Deployment\] is not protected on Ingress/,
    );
    const l = await cli([
      'lint',
      '--dir',
      tmpDir({ 'p.yaml': POLICIES.replace('port: http', 'port: nope') }),
    ]);
    expect(l.code).toBe(1);
    expect(l.out).toMatch(/named-port-unresolved/);
    expect((await cli(['list'])).code).toBe(2);
    expect((await cli(['list', '--dir', '/nonexistent/x'])).code).toBe(2);
    expect(
      (await cli(['eval', '--dir', dir, '-s', 'a', '-d', 'b', '-p', 'x'])).code,
    ).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('bin/cilium-connect runs without a build step', () => {
    const bin = path.resolve(__dirname, '../../bin/cilium-connect');
    const r = spawnSync(process.execPath, [bin, 'list', '--dir', dir], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'shop/api[Deployment] => shop/web[Deployment] : TCP 8080',
    );
    const bad = spawnSync(
      process.execPath,
      [
        bin,
        'eval',
        '--dir',
        dir,
        '-s',
        'shop/web',
        '-d',
        'shop/api',
        '-p',
        '80',
      ],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(1);
  });

  it('names a file that cannot be read (exit 2, no stack trace)', async () => {
    const d = tmpDir({ 'a.yaml': POLICIES });
    fs.symlinkSync(path.join(d, 'gone'), path.join(d, 'dangling.yaml'));
    const r = await cli(['list', '--dir', d]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^error: cannot read the input: ENOENT: .*dangling\.yaml/,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('bin/cilium-connect: a world over 1 MiB (parsed on worker threads) lists as a serial load does, and names a broken file', () => {
    // 40 namespaces of 40 workloads that may all reach the first one of their
    // namespace: about 1.3 MiB of YAML, over the size where the CLI starts
    // worker threads, and 1,560 edges.
    const note = 'x'.repeat(500);
    const files: Record<string, string> = {};
    for (let n = 0; n < 40; n++) {
      const docs = [
        `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: to-a0, namespace: ns${n} }
spec:
  endpointSelector: {}
  ingress: [{ fromEndpoints: [{}] }]
  egress: [{ toEndpoints: [{ matchLabels: { app: a0 } }] }]
`,
      ];
      for (let w = 0; w < 40; w++)
        docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: a${w}
  namespace: ns${n}
  annotations: { note: ${note} }
spec: { template: { metadata: { labels: { app: a${w} } } } }
`);
      files[`ns${n}.yaml`] = docs.join('---\n');
    }
    files['zz-broken.yaml'] = 'kind: Namespace\nmetadata: { name: x\n';
    const big = tmpDir(files);
    const bytes = Object.values(files).reduce((a, t) => a + t.length, 0);
    expect(bytes).toBeGreaterThan(1024 * 1024);
    const expected = formatConnlist(
      new PolicyEngine(loadDirectory(big)).graph({ detail: false }).edges,
      'txt',
    );
    const bin = path.resolve(__dirname, '../../bin/cilium-connect');
    const r = spawnSync(process.execPath, [bin, 'list', '--dir', big], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected);
    expect(r.stdout.split('\n')).toHaveLength(1560 + 1);
    expect(r.stderr).toMatch(
      /zz-broken\.yaml:\d+:\d+: error: YAML syntax error: /,
    );
    fs.rmSync(big, { recursive: true, force: true });
  });
});
