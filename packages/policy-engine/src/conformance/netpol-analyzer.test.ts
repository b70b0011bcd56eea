import * as fs from 'fs';
import * as path from 'path';
import { PolicyEngine } from '../evaluate/engine';
import type { Edge } from '../evaluate/types';
import { ConnLine, connLines, parseConnlistText } from '../output/connlist';
import { compareConnlists } from '../__testUtils__/compare';
import { loadCase } from '../__testUtils__/load';
import { ORACLE_DIR, describeWithShared } from '../__testUtils__/shared';
import { diffGraphs, DiffEntry } from '../evaluate/diff';
import { parseConnString } from '../model/connset';
import { l4 } from '../__testUtils__/compare';

const NPA = path.join(ORACLE_DIR, 'netpol-analyzer');

/** Cases excluded from conformance, with the reason (mirrored in README.md). */
const EXCLUDED_FILES: Record<string, string> = {
  'acs-security-demos-added-workloads_focus_workload_ingress-controller_connlist_output.txt':
    'focus on the {ingress-controller} pseudo-peer: Ingress/Route analysis is out of scope',
  'acs-security-demos_focus_workload_ingress-controller_connlist_output.txt':
    'focus on the {ingress-controller} pseudo-peer: Ingress/Route analysis is out of scope',
};

interface FocusSpec {
  caseName: string;
  focus: string[];
  direction?: 'ingress' | 'egress';
  peers: string[];
}

function parseName(
  file: string,
  cases: string[],
  workloadNames: (c: string) => Array<{ ns: string; name: string }>,
): FocusSpec | undefined {
  const m = /^(.*)_(connlist|exposure)_output\.(txt|json|csv|md)$/.exec(file);
  if (!m) return undefined;
  const stem = m[1];
  const caseName = cases
    .filter(c => stem === c || stem.startsWith(`${c}_focus_workload_`))
    .sort((a, b) => b.length - a.length)[0];
  if (!caseName) return undefined;
  let rest = stem.slice(caseName.length);
  if (!rest) return { caseName, focus: [], peers: [] };
  rest = rest.replace(/^_focus_workload_/, '');
  let peersPart = '';
  const wi = rest.indexOf('_with_');
  if (wi >= 0) {
    peersPart = rest.slice(wi + 6);
    rest = rest.slice(0, wi);
  }
  let direction: 'ingress' | 'egress' | undefined;
  const dm = /_(ingress|egress)$/.exec(rest);
  if (dm) {
    direction = dm[1] as 'ingress' | 'egress';
    rest = rest.slice(0, -dm[0].length);
  }
  const names = workloadNames(caseName);
  const tokenize = (s: string): string[] => {
    const toks = s.split('_');
    const out: string[] = [];
    let i = 0;
    const pairNames = new Set(names.map(n => `${n.ns}/${n.name}`));
    const single = new Set(names.map(n => n.name));
    while (i < toks.length) {
      // Kubernetes names cannot contain '_': try ns_name first, then a bare name.
      const pair = `${toks[i]}/${toks[i + 1]}`;
      if (i + 1 < toks.length && pairNames.has(pair)) {
        out.push(pair);
        i += 2;
      } else if (single.has(toks[i])) {
        out.push(toks[i]);
        i += 1;
      } else return [s];
    }
    return out;
  };
  return {
    caseName,
    focus: tokenize(rest),
    direction,
    peers: peersPart ? tokenize(peersPart) : [],
  };
}

function matchesWorkload(id: string, ref: string): boolean {
  const m = /^([^/]+)\/(.+)\[(\w+)\]$/.exec(id);
  if (!m) return false;
  return ref.includes('/') ? `${m[1]}/${m[2]}` === ref : m[2] === ref;
}

function applyFocus(edges: Edge[], spec: FocusSpec): Edge[] {
  if (!spec.focus.length) return edges;
  return edges.filter(e => {
    const srcF = spec.focus.some(f => matchesWorkload(e.src.id, f));
    const dstF = spec.focus.some(f => matchesWorkload(e.dst.id, f));
    let ok = srcF || dstF;
    if (spec.direction === 'ingress') ok = dstF;
    if (spec.direction === 'egress') ok = srcF;
    if (ok && spec.peers.length) {
      const other = (x: string) => spec.peers.some(p => matchesWorkload(x, p));
      ok = (srcF && other(e.dst.id)) || (dstF && other(e.src.id));
    }
    return ok;
  });
}

function parseExpected(file: string): ConnLine[] {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text) as ConnLine[];
  if (file.endsWith('.csv')) {
    return text
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map(l => {
        const cells = l
          .match(/("([^"]|"")*"|[^,]*)(,|$)/g)!
          .map(c =>
            c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"'),
          );
        return { src: cells[0], dst: cells[1], conn: cells[2] };
      });
  }
  if (file.endsWith('.md')) {
    return text
      .split('\n')
      .slice(2)
      .filter(l => l.startsWith('|'))
      .map(l => {
        const c = l.split('|').map(x => x.trim());
        return { src: c[1], dst: c[2], conn: c[3] };
      });
  }
  const body = text.split('Exposure Analysis Result:')[0];
  return parseConnlistText(body);
}

function fixName(line: ConnLine): ConnLine {
  // old spelling without [External]
  const fix = (s: string) =>
    /^\d+\.\d+\.\d+\.\d+-\d+\.\d+\.\d+\.\d+$/.test(s) ? `${s}[External]` : s;
  return { src: fix(line.src), dst: fix(line.dst), conn: line.conn };
}

const summary: Record<
  string,
  { pass: number; fail: number; excluded: number }
> = {};
function count(k: string, r: 'pass' | 'fail' | 'excluded') {
  summary[k] = summary[k] ?? { pass: 0, fail: 0, excluded: 0 };
  summary[k][r]++;
}

describeWithShared('oracle: netpol-analyzer', NPA, () => {
  const cases = fs.readdirSync(path.join(NPA, 'tests'));
  const engines = new Map<string, PolicyEngine>();
  const engineFor = (c: string, cnp: boolean) => {
    const k = `${c}:${cnp}`;
    let e = engines.get(k);
    if (!e) {
      e = new PolicyEngine(loadCase([path.join(NPA, 'tests', c)], cnp), {
        entityPeers: 'none',
      });
      engines.set(k, e);
    }
    return e;
  };
  const graphs = new Map<string, Edge[]>();
  const graphFor = (c: string, cnp: boolean) => {
    const k = `${c}:${cnp}`;
    let g = graphs.get(k);
    if (!g) {
      g = engineFor(c, cnp).graph({ detail: false }).edges;
      graphs.set(k, g);
    }
    return g;
  };
  const names = (c: string) =>
    engineFor(c, false).workloads.map(w => ({ ns: w.namespace, name: w.name }));

  const files: string[] = [];
  for (const sub of ['connlist', 'cli']) {
    for (const f of fs.readdirSync(path.join(NPA, 'test_outputs', sub))) {
      if (
        /_connlist_output\.(txt|json|csv|md)$/.test(f) ||
        /_exposure_output\.txt$/.test(f)
      )
        files.push(`test_outputs/${sub}/${f}`);
    }
  }
  // Stale expected outputs kept inside the input folders (old spelling).
  for (const c of cases) {
    for (const f of ['connlist_output.txt', 'connlist_output.json']) {
      if (fs.existsSync(path.join(NPA, 'tests', c, f)))
        files.push(`tests/${c}/${f}`);
    }
  }

  for (const rel of files) {
    for (const cnp of [false, true]) {
      const label = `${
        rel.includes('exposure') ? 'exposure (connlist part)' : 'connlist'
      }${cnp ? ' as CNP' : ''}`;
      it(`${cnp ? '[CNP] ' : ''}${rel}`, () => {
        const base = path.basename(rel);
        if (EXCLUDED_FILES[base]) {
          count(label, 'excluded');
          return;
        }
        let spec: FocusSpec | undefined;
        if (rel.startsWith('tests/'))
          spec = { caseName: rel.split('/')[1], focus: [], peers: [] };
        else spec = parseName(base, cases, names);
        expect(spec).toBeDefined();
        const expected = parseExpected(path.join(NPA, rel))
          .map(fixName)
          .filter(
            l =>
              l.src !== '{ingress-controller}' &&
              l.dst !== '{ingress-controller}',
          );
        const actual = connLines(
          applyFocus(graphFor(spec!.caseName, cnp), spec!),
        );
        const diffs = compareConnlists(actual, expected);
        count(label, diffs.length ? 'fail' : 'pass');
        expect(diffs.slice(0, 10)).toEqual([]);
      });
    }
  }

  // Diffs
  const diffFiles = fs
    .readdirSync(path.join(NPA, 'test_outputs', 'diff'))
    .filter(f => f.endsWith('.txt'));
  for (const f of diffFiles) {
    for (const cnp of [false, true]) {
      it(`${cnp ? '[CNP] ' : ''}diff/${f}`, () => {
        const m = /diff_between_(.+)_and_(.+)\.txt$/.exec(f)!;
        const [, newer, older] = m;
        const expected = fs
          .readFileSync(path.join(NPA, 'test_outputs', 'diff', f), 'utf8')
          .split('\n')
          .filter(l => l.startsWith('diff-type:'))
          .filter(l => !l.includes('{ingress-controller}'))
          .map(l => {
            const mm =
              /^diff-type: (\w+), source: (.+?), destination: (.+?), [\w-]+: (.+?), [\w-]+: (.+?)(?:, workloads-diff-info: (.*))?$/.exec(
                l,
              )!;
            return `${mm[1]}|${mm[2]}|${mm[3]}|${l4(
              parseConnString(mm[4]),
            ).key()}|${l4(parseConnString(mm[5])).key()}`;
          });
        const a = engineFor(older, cnp);
        const b = engineFor(newer, cnp);
        const entries: DiffEntry[] = diffGraphs(
          a.graph({ detail: false }),
          b.graph({ detail: false }),
        );
        const actual = entries
          .filter(d => !l4(d.ref1).equals(l4(d.ref2)))
          .map(
            d =>
              `${d.type}|${d.src}|${d.dst}|${l4(d.ref1).key()}|${l4(
                d.ref2,
              ).key()}`,
          );
        const ok =
          JSON.stringify([...actual].sort()) ===
          JSON.stringify([...expected].sort());
        count(cnp ? 'diff as CNP' : 'diff', ok ? 'pass' : 'fail');
        expect([...actual].sort()).toEqual([...expected].sort());
      });
    }
  }

  afterAll(() => {
    for (const [k, v] of Object.entries(summary)) {
      // eslint-disable-next-line no-console
      console.log(
        `netpol-analyzer ${k}: ${v.pass}/${v.pass + v.fail} passed, ${
          v.excluded
        } excluded`,
      );
    }
  });
});
