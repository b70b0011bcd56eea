import { Document, LineCounter, parseAllDocuments } from 'yaml';
import { InventoryBuilder } from './inventory';
import { parseYamlText } from './yaml';

describe('parsing', () => {
  it('reports a bad document with file and position, and still loads the others', () => {
    const text = `apiVersion: v1
kind: Namespace
metadata: { name: a }
---
apiVersion: v1
kind: Pod
metadata: { name: p, namespace: a
  labels: [x
---
apiVersion: v1
kind: Namespace
metadata: { name: b }
`;
    const r = parseYamlText(text, 'f.yaml');
    expect(r.documents.length).toBe(2);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      file: 'f.yaml',
      code: 'yaml',
      document: 1,
    });
    // where the error is: the end of line 7, where the flow mapping
    // `{ name: p, namespace: a` should have been closed
    expect(r.diagnostics[0]).toMatchObject({ line: 7, column: 33 });
  });

  it('refuses unrendered templates with a clear reason', () => {
    const r = parseYamlText(
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: "{{ .Name }}"\n',
      't.yaml',
    );
    expect(r.documents).toHaveLength(0);
    expect(r.diagnostics[0].code).toBe('template');
    expect(r.diagnostics[0].message).toMatch(/unrendered \{\{ \}\} template/);
  });

  it('expands kind: List and *List, groups pods by top-level owner, defaults the namespace', () => {
    const b = new InventoryBuilder();
    b.addText(
      `apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web-abc
      namespace: n
      ownerReferences: [{ kind: Deployment, name: web, controller: true }]
    spec: { template: { metadata: { labels: { app: web } } } }
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web, namespace: n }
    spec: { template: { metadata: { labels: { app: web } }, spec: { containers: [{ ports: [{ name: http, containerPort: 80 }] }] } } }
  - apiVersion: v1
    kind: Pod
    metadata: { name: web-abc-1, namespace: n, labels: { app: web }, ownerReferences: [{ kind: ReplicaSet, name: web-abc }] }
  - apiVersion: v1
    kind: Pod
    metadata: { name: bare, labels: { app: bare } }
  - apiVersion: batch/v1
    kind: CronJob
    metadata: { name: nightly, namespace: n }
    spec: { jobTemplate: { spec: { template: { metadata: { labels: { job: nightly } } } } } }
---
kind: NamespaceList
items:
  - metadata: { name: n, labels: { team: t } }
`,
      'l.yaml',
    );
    const inv = b.build();
    expect(inv.workloads.map(w => w.id).sort()).toEqual([
      'default/bare[Pod]',
      'n/nightly[CronJob]',
      'n/web[Deployment]',
    ]);
    expect(inv.workloads.find(w => w.name === 'web')!.ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP' },
    ]);
    expect(inv.namespaces.find(n => n.name === 'n')!.labels).toEqual({
      team: 't',
      'kubernetes.io/metadata.name': 'n',
    });
    expect(inv.namespaces.find(n => n.name === 'default')).toBeDefined();
  });

  it('accepts tab-indented flow sequences like kubectl does, with a warning', () => {
    const r = parseYamlText('a:\n  b: [\n\t  "x",\n    "y"\n  ]\n', 'tab.yaml');
    expect(r.documents).toHaveLength(1);
    expect(r.diagnostics.some(d => d.severity === 'warning')).toBe(true);
  });
});

describe('the JSON fast path', () => {
  /** What the `yaml` package itself says about a one-document text. */
  function viaYaml(text: string) {
    const lineCounter = new LineCounter();
    const [doc, ...more] = parseAllDocuments(text, {
      lineCounter,
      uniqueKeys: false,
    }) as Document[];
    expect(more).toHaveLength(0);
    expect(doc.errors).toEqual([]);
    const pos = lineCounter.linePos(doc.range![0]);
    return { line: pos.line, column: pos.col, value: doc.toJS() };
  }

  const manifest = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: 'web', namespace: 'shop', labels: { 'a/b': 'é😀' } },
    spec: {
      endpointSelector: { matchLabels: { app: 'web' } },
      ingress: [{ toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }],
    },
  };

  it.each([
    ['compact', JSON.stringify(manifest)],
    ['indented', JSON.stringify(manifest, null, 2)],
    ['after blank lines and spaces', `\n\n   ${JSON.stringify(manifest)}\n`],
    [
      'with CRLF line ends',
      `\r\n${JSON.stringify(manifest, null, 1)}`
        .replace(/\n/g, '\r\n')
        .replace(/\r\r/g, '\r'),
    ],
    ['a top-level array', '[1, {"a": null}, "x"]'],
    [
      'numbers, escapes, duplicate and __proto__ keys',
      '{"n": -0, "big": 12345678901234567890, "f": 1.50, "e": 1e400, "s": "\\u00e9\\/\\t", "a": 1, "a": 2, "__proto__": {"x": 1}}',
    ],
  ])('gives what the YAML parser gives: %s', (_name, text) => {
    const r = parseYamlText(text, 'f.json');
    const y = viaYaml(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.documents).toHaveLength(1);
    const [d] = r.documents;
    expect({
      file: d.file,
      index: d.index,
      line: d.line,
      column: d.column,
    }).toEqual({
      file: 'f.json',
      index: 0,
      line: y.line,
      column: y.column,
    });
    expect(d.value).toStrictEqual(y.value);
    expect(Object.getOwnPropertyNames(d.value)).toEqual(
      Object.getOwnPropertyNames(y.value),
    );
  });

  it('reads tab-indented JSON (jq --tab) without the YAML tab warning', () => {
    const text =
      '{\n\t"kind": "Namespace",\n\t"metadata": {\n\t\t"name": "a"\n\t}\n}\n';
    const r = parseYamlText(text, 'tab.json');
    expect(r.diagnostics).toEqual([]);
    expect(r.documents.map(d => d.value)).toEqual([
      { kind: 'Namespace', metadata: { name: 'a' } },
    ]);
  });

  it('leaves what is not exactly one JSON value to the YAML parser', () => {
    // valid YAML that JSON.parse refuses: a trailing comma, two documents
    expect(parseYamlText('{"a": 1,}', 'f').documents[0].value).toEqual({
      a: 1,
    });
    expect(
      parseYamlText('{"a": 1}\n---\n{"b": 2}\n', 'f').documents.map(d => [
        d.index,
        d.line,
        d.value,
      ]),
    ).toEqual([
      [0, 1, { a: 1 }],
      [1, 2, { b: 2 }], // a document starts at its `---`
    ]);
    // a lone carriage return is no line break in YAML, which reads this
    // text as something else than the JSON object
    const lone = parseYamlText('\r{"a": 1}', 'f').documents[0].value;
    expect(lone).not.toEqual({ a: 1 });
    expect(lone).toEqual(
      (parseAllDocuments('\r{"a": 1}')[0] as Document).toJS(),
    );
    // broken JSON: the YAML parser's error, where it is (the `}`)
    const broken = parseYamlText('{\n  "a": [1, 2}\n', 'broken.json');
    expect(broken.documents).toHaveLength(0);
    expect(broken.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'yaml',
        file: 'broken.json',
        line: 2,
        column: 13,
        document: 0,
        message: expect.stringMatching(/^YAML syntax error: Flow sequence/),
      }),
    ]);
  });

  it('refuses templates in JSON as in YAML', () => {
    for (const text of [
      '{"metadata": {"name": "{{ .Name }}"}}',
      '{"metadata": {"name": "\\u007b{ .Name }}"}}',
    ]) {
      const r = parseYamlText(`\n${text}`, 't.json');
      expect(r.documents).toHaveLength(0);
      expect(r.diagnostics).toEqual([
        expect.objectContaining({ code: 'template', line: 2, column: 1 }),
      ]);
    }
  });
});

describe('limits and templates', () => {
  it('refuses a document whose aliases expand too far, and reads the others', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const bomb = lines.join('\n');
    const r = parseYamlText(
      `kind: Namespace\nmetadata: { name: a }\n---\n${bomb}\n---\nkind: Namespace\nmetadata: { name: b }\n`,
      'bomb.yaml',
    );
    expect(r.documents.map(d => d.value)).toEqual([
      { kind: 'Namespace', metadata: { name: 'a' } },
      { kind: 'Namespace', metadata: { name: 'b' } },
    ]);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'yaml',
        file: 'bomb.yaml',
        line: 3,
        document: 1,
        message: expect.stringMatching(/alias count/),
      }),
    ]);
    // a few aliases are fine
    expect(
      parseYamlText('a: &x [1, 2]\nb: *x\nc: *x\n', 'f').documents[0].value,
    ).toEqual({ a: [1, 2], b: [1, 2], c: [1, 2] });
  });

  it('finds templates in values written with escapes, not in comments', () => {
    const doc = (name: string) =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
    for (const name of [
      '"\\x7b{ .Name }}"',
      '"\\u007b\\u007b .Name }}"',
      '"{\\\n    { .Name }}"', // an escaped line break joins the lines
    ]) {
      const r = parseYamlText(doc(name), 't.yaml');
      expect(r.documents).toHaveLength(0);
      expect(r.diagnostics.map(d => d.code)).toEqual(['template']);
    }
    const commented = parseYamlText(
      `# rendered from {{ .Values }}\n${doc('a')}`,
      'c.yaml',
    );
    expect(commented.diagnostics).toEqual([]);
    expect(commented.documents).toHaveLength(1);
  });
});
