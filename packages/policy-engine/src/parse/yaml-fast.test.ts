import fs from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR, describeWithShared } from '../__testUtils__/shared';
import { parseWithYamlPackage, parseYamlText } from './yaml';
import { parseYamlFast } from './yaml-fast';

/** The fast path's answer must be the `yaml` package's, whenever it gives one. */
function expectSameAsYamlPackage(text: string, name = 'f.yaml') {
  const fast = parseYamlFast(text, name);
  if (fast) expect(fast).toEqual(parseWithYamlPackage(text, name));
  return fast;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Seeded edits a hand-edited manifest goes through: lines lost, doubled, re-indented, characters typed. */
function mutations(text: string, count: number, seed: number): string[] {
  let s = seed;
  const rnd = (n: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const typed = [
    '"',
    "'",
    '[',
    ']',
    '{',
    '}',
    ':',
    '#',
    ' ',
    '-',
    '?',
    '!',
    '|',
    '>',
    '\n',
    ',',
    '*',
    '%',
    '@',
    '`',
    '\r',
    '~',
  ];
  const out: string[] = [];
  for (let m = 0; m < count; m++) {
    const lines = text.split('\n');
    for (let edits = 1 + rnd(3); edits > 0; edits--) {
      const i = rnd(lines.length);
      const l = lines[i] ?? '';
      const p = rnd(l.length + 1);
      switch (rnd(6)) {
        case 0:
          lines.splice(i, 1);
          break;
        case 1:
          lines.splice(i, 0, lines[rnd(lines.length)]);
          break;
        case 2:
          lines[i] = ' '.repeat(rnd(3)) + l.slice(rnd(3));
          break;
        case 3:
          lines[i] = l.slice(0, p) + typed[rnd(typed.length)] + l.slice(p);
          break;
        case 4:
          lines[i] = l.slice(0, p) + l.slice(p + 1);
          break;
        default:
          lines.splice(i, 2, l + (lines[i + 1] ?? ''));
      }
    }
    out.push(lines.join('\n'));
  }
  return out;
}

describe('parseYamlFast (js-yaml) against the yaml package', () => {
  it('reads multi-document manifests with the same values and document positions', () => {
    const text = [
      '# leading comment',
      '',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: a, labels: {team: x}}',
      '---',
      '---',
      '# an empty document above, a comment here',
      'kind: Pod',
      'spec:',
      '  ports: [80, "443"]',
      '  note: >-',
      '    folded',
      '    text',
      '...',
      '',
      '  indented: start',
      '--- just a scalar',
    ].join('\n');
    const fast = expectSameAsYamlPackage(text);
    expect(fast?.documents.map(d => [d.index, d.line, d.column])).toEqual([
      [0, 3, 1],
      [2, 7, 1],
      [3, 17, 1],
      [4, 18, 1],
    ]);
    expect(fast?.documents[1].value).toEqual({
      kind: 'Pod',
      spec: { ports: [80, '443'], note: 'folded text' },
    });
  });

  it('resolves scalars by the YAML 1.2 core schema, as the yaml package does', () => {
    const text = [
      'a: 1_000',
      'b: 0o17',
      'c: 017',
      'd: 0x1F',
      'e: 1e3',
      'f: .inf',
      'g: -.Inf',
      'h: .nan',
      'i: 2001-12-14',
      'j: yes',
      'k: +12',
      'l: 1.',
      'm: .5',
      'n: ~',
      'o: True',
      'p: 0b101',
      'q: +0x1',
      'r: "12"',
      's: 1e',
      't: -0',
      '<<: {merged: no}',
      'u:',
    ].join('\n');
    const fast = expectSameAsYamlPackage(text);
    expect(fast?.documents[0].value).toMatchObject({
      a: '1_000',
      b: 15,
      c: 17,
      d: 31,
      e: 1000,
      f: Infinity,
      g: -Infinity,
      i: '2001-12-14',
      j: 'yes',
      k: 12,
      l: 1,
      m: 0.5,
      n: null,
      o: true,
      p: '0b101',
      q: '+0x1',
      r: '12',
      s: '1e',
      '<<': { merged: 'no' },
      u: null,
    });
  });

  it.each([
    ['an anchor and alias', 'a: &x {b: 1}\nc: *x\n'],
    ['a duplicate key (yaml keeps the last)', 'a: 1\na: 2\n'],
    ['a comment right after a quote', 'a: "b"#c\n'],
    ['a comment right after a flow sequence', 'a: [b, c]#x\n'],
    ['a quoted scalar continued on a less-indented line', 'a: "x\n\ny"\n'],
    ['a flow sequence continued on the next line', 'a: [b,\nc]\n'],
    ['a flow sequence as a key', '[a, b]: 1\n'],
    ['a flow mapping as a key', 'x: { {a: 1}: 2 }\n'],
    ['an explicit key', '? a\n: b\n'],
    ['a null key', 'null: 1\n'],
    ['an empty key', '"": 1\n'],
    ['a local tag', 'a: !foo x\n'],
    ['a tab', 'a:\n\tb: 1\n'],
    ['a lone carriage return', 'a: 1\rb: 2\n'],
    ['a byte-order mark', '\uFEFFa: 1\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a template', 'a: {{ .Values.x }}\n'],
    ['a template written with escapes', 'a: "\\x7b\\x7b x }}"\n'],
    ['an implicit key over 1,024 characters', `${'k'.repeat(1100)}: 1\n`],
    ['a syntax error', 'a: b: c\n'],
  ])('leaves %s to the yaml package', (_what, text) => {
    expect(parseYamlFast(text, 'f.yaml')).toBeUndefined();
  });

  it('is what parseYamlText answers with, and the yaml package still words the errors', () => {
    expect(parseYamlText('a: 1\r\nb: [x, "y"]\r\n', 'crlf.yaml')).toEqual(
      parseWithYamlPackage('a: 1\r\nb: [x, "y"]\r\n', 'crlf.yaml'),
    );
    const broken = parseYamlText('a: 1\n b: 2\n', 'broken.yaml');
    expect(broken.diagnostics).toEqual([
      expect.objectContaining({
        code: 'yaml',
        file: 'broken.yaml',
        line: 1,
        message:
          'YAML syntax error: Nested mappings are not allowed in compact mappings',
      }),
    ]);
  });

  it('agrees with the yaml package on every manifest in this repository and 40 seeded edits of each', () => {
    const root = path.resolve(__dirname, '../../../..');
    const files = [
      ...yamlFiles(path.join(root, 'examples')),
      ...yamlFiles(path.join(__dirname, '..', '__fixtures__')),
    ];
    expect(files.length).toBeGreaterThan(10);
    let answered = 0;
    for (const [n, file] of files.entries()) {
      const text = fs.readFileSync(file, 'utf8');
      for (const t of [text, ...mutations(text, 40, n + 1)])
        if (expectSameAsYamlPackage(t, file)) answered++;
    }
    // most edits leave a manifest plain; the fast path must answer for those
    expect(answered).toBeGreaterThan(files.length * 10);
  });

  describeWithShared(
    'the real Cilium policy corpus',
    path.join(CORPUS_DIR, 'cilium'),
    () => {
      it('agrees with the yaml package on every file and 40 seeded edits of each', () => {
        const files = yamlFiles(path.join(CORPUS_DIR, 'cilium'));
        expect(files.length).toBeGreaterThan(200);
        let whole = 0;
        for (const [n, file] of files.entries()) {
          const text = fs.readFileSync(file, 'utf8');
          if (expectSameAsYamlPackage(text, file)) whole++;
          for (const t of mutations(text, 40, n + 1))
            expectSameAsYamlPackage(t, file);
        }
        expect(whole).toBeGreaterThan(files.length / 2);
      });
    },
  );
});
