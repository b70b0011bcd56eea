import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WORLD_YAML } from '../__fixtures__/world';
import type { ParsedText } from '../parse/yaml';
import { loadDirectory, loadDirectoryAsync } from './load-directory';
import { ManifestFile, parseFilesInWorkers } from './parse-workers';

// Worker threads load the TypeScript sources through @backstage/cli's
// transform: give them time to start on a busy machine.
jest.setTimeout(60_000);

const policyYaml = (name: string) => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: ${name}, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: web } }
  ingress:
    - fromEndpoints: [{ matchLabels: { app: api } }]
      toPorts: [{ ports: [{ port: "8080", protocol: TCP }] }]
`;

function tmpTree(files: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pe-load-'));
  for (const [n, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, n)), { recursive: true });
    fs.writeFileSync(path.join(d, n), t);
  }
  return d;
}

/** A directory with one of everything a loader must keep apart and in order. */
const world = tmpTree({
  'world.yaml': WORLD_YAML,
  'a/p1.yaml': `${policyYaml('p1')}---\n${policyYaml('p2')}`,
  'a/b/p3.yml': policyYaml('p3'),
  'broken.yaml': `${policyYaml(
    'before-break',
  )}---\nkind: Pod\nmetadata: { name: x\n---\n${policyYaml('after-break')}`,
  'templated.yaml': policyYaml('"{{ .Values.name }}"'),
  'list.json': JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [{ kind: 'Namespace', metadata: { name: 'from-json' } }],
  }),
  'tabbed.yaml': 'a:\n  b: [\n\t  "x",\n    "y"\n  ]\n',
  'invalid.yaml': 'just a string\n',
  ...Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [
      `many/p${i}.yaml`,
      policyYaml(`m${i}`),
    ]),
  ),
});

afterAll(() => fs.rmSync(world, { recursive: true, force: true }));

describe('loadDirectoryAsync', () => {
  const serial = loadDirectory(world);

  it('the world loads with its diagnostics (the reference the others are compared to)', () => {
    expect(serial.policies.map(p => p.ref.name)).toEqual(
      expect.arrayContaining([
        'p1',
        'p2',
        'p3',
        'before-break',
        'after-break',
        'm0',
        'm11',
      ]),
    );
    expect(serial.namespaces.map(n => n.name)).toContain('from-json');
    const codes = serial.diagnostics.map(d => `${d.file}: ${d.code}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/broken\.yaml: yaml$/),
        expect.stringMatching(/templated\.yaml: template$/),
        expect.stringMatching(/tabbed\.yaml: yaml$/), // the tab warning
        expect.stringMatching(/invalid\.yaml: invalid-object$/),
      ]),
    );
  });

  it.each([0, 1, 2, 3])(
    'gives the same inventory as loadDirectory with %i worker threads',
    async workers => {
      const inv = await loadDirectoryAsync(world, { workers });
      expect(inv).toEqual(serial);
      // and in the same order, with the same keys in the same order (values
      // cloned from a worker come from another realm here, under Jest, so
      // toStrictEqual would compare their prototypes)
      expect(JSON.stringify(inv)).toBe(JSON.stringify(serial));
    },
  );

  it('gives the same inventory with the default (small input: on this thread)', async () => {
    expect(await loadDirectoryAsync([world])).toStrictEqual(serial);
  });

  it('rejects a file that cannot be read, as loadDirectory throws', async () => {
    const d = tmpTree({ 'ok.yaml': policyYaml('ok') });
    fs.symlinkSync(path.join(d, 'missing'), path.join(d, 'dangling.yaml'));
    try {
      expect(() => loadDirectory(d)).toThrow(
        expect.objectContaining({ code: 'ENOENT' }),
      );
      await expect(loadDirectoryAsync(d, { workers: 2 })).rejects.toMatchObject(
        {
          code: 'ENOENT',
          message: expect.stringContaining('dangling.yaml'),
        },
      );
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('parseFilesInWorkers', () => {
  const names = ['p1.yaml', 'p2.yaml', 'boom.yaml', 'p3.yaml', 'p4.yaml'];
  const dir = tmpTree(
    Object.fromEntries(names.map(n => [n, policyYaml(n.replace('.yaml', ''))])),
  );
  const files: ManifestFile[] = names.map(n => ({
    path: path.join(dir, n),
    name: n,
  }));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function collect(workers: number, module?: string) {
    const out: Array<[number, ParsedText]> = [];
    const summary = await parseFilesInWorkers(
      files,
      workers,
      (p, i) => out.push([i, p]),
      { module },
    );
    return Object.assign(out, { summary });
  }

  it('delivers every file once, in file order', async () => {
    const out = await collect(2);
    expect(out.summary).toEqual({ workersStarted: 2, parsedHere: 0 });
    expect(out.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    expect(out.map(([, p]) => p.documents[0].file)).toEqual(names);
    expect(out.every(([, p]) => !p.diagnostics.length)).toBe(true);
  });

  it('parses on this thread when no worker can start', async () => {
    const out = await collect(2, path.join(dir, 'no-such-module.js'));
    expect(out.summary).toEqual({ workersStarted: 0, parsedHere: 5 });
    expect(out.map(([, p]) => p.documents[0].file)).toEqual(names);
  });

  it('reports the file a worker died on, and parses the others', async () => {
    // A module that kills its thread on boom.yaml and otherwise parses as usual.
    const killer = path.join(dir, 'killer.js');
    fs.writeFileSync(
      killer,
      `require(${JSON.stringify(
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      )});
const real = require(${JSON.stringify(require.resolve('./parse-workers'))});
exports.parseManifestFile = f => {
  if (f.name === 'boom.yaml') process.exit(7);
  return real.parseManifestFile(f);
};
`,
    );
    const out = await collect(1, killer);
    // the one worker died: the files after boom.yaml were parsed here
    expect(out.summary).toEqual({ workersStarted: 1, parsedHere: 2 });
    expect(out.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    const boom = out[2][1];
    expect(boom.documents).toEqual([]);
    expect(boom.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'yaml',
        file: 'boom.yaml',
        message: expect.stringMatching(/parser stopped on this file.*code 7/),
      }),
    ]);
    for (const i of [0, 1, 3, 4]) {
      expect(out[i][1].diagnostics).toEqual([]);
      expect(out[i][1].documents[0].file).toBe(names[i]);
    }
  });
});
