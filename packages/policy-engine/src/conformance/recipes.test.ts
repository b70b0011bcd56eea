import * as fs from 'fs';
import * as path from 'path';
import type { Protocol } from '../model/connset';
import type { PeerQuery } from '../evaluate/engine';
import { readDocs } from '../__testUtils__/load';
import { ORACLE_DIR, describeWithShared } from '../__testUtils__/shared';
import { buildWorld, TestPod } from '../__testUtils__/world';

const RECIPES = path.join(ORACLE_DIR, 'recipes.md');

interface Row {
  id: string;
  files: string[];
  client: string;
  destination: string;
  expected: 'A' | 'B';
  line: number;
}

/** Parses the outcome table of recipes.md (the `〃` ditto mark repeats the row above). */
function parseTable(text: string): {
  rows: Row[];
  excluded: Array<{ id: string; reason: string }>;
} {
  const rows: Row[] = [];
  const excluded: Array<{ id: string; reason: string }> = [];
  let prev: { files: string[] } | undefined;
  text.split('\n').forEach((line, i) => {
    if (!/^\| \d/.test(line)) return;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map(c => c.trim());
    const [id, filesCell, , client, destination, expectedCell] = cells;
    if (!/\.yaml/.test(filesCell) && filesCell !== '〃') {
      excluded.push({
        id,
        reason: `no manifest (${filesCell.replace(/\*/g, '')})`,
      });
      return;
    }
    const files =
      filesCell === '〃'
        ? prev!.files
        : [...filesCell.matchAll(/([\w.-]+\.yaml)/g)]
            .map(m => m[1])
            .concat(
              /plus\*\* 01's/.test(filesCell)
                ? ['01-deny-all-traffic-to-an-application.yaml']
                : [],
            );
    prev = { files };
    const spec = /by the spec it is \**([AB])\b/.exec(expectedCell);
    const first = /\*\*([AB])\*\*/.exec(expectedCell);
    const expected = (spec ?? first)![1] as 'A' | 'B';
    rows.push({ id, files, client, destination, expected, line: i + 1 });
  });
  return { rows, excluded };
}

const EXTERNAL_SRC = '203.0.113.10';
const EXTERNAL_DST = '93.184.216.34';

function labelsFrom(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of text.split(',')) {
    const [k, v] = kv.split('=');
    if (k && v !== undefined) out[k.trim()] = v.trim();
  }
  return out;
}

interface Client {
  query: PeerQuery;
  pod?: TestPod;
  nsLabels?: [string, Record<string, string>];
}

function parseClients(text: string): Client[] {
  if (/^external/.test(text)) return [{ query: { ip: EXTERNAL_SRC } }];
  const pod = (
    ns: string,
    labels: Record<string, string>,
    name: string,
  ): Client => ({
    query: `${ns}/${name}[Pod]`,
    pod: { namespace: ns, name, labels },
  });
  if (text === 'any pod' || text === 'any pod in default')
    return [pod('default', { run: 'client' }, 'client')];
  if (text === 'any pod, any namespace')
    return [
      pod('default', { run: 'client' }, 'client'),
      pod('other', { run: 'client' }, 'client'),
    ];
  const m = /^([\w-]+)(?: \((.*?)\))?, (.*)$/.exec(text);
  if (!m) throw new Error(`cannot parse client "${text}"`);
  const [, ns, nsText, labelsText] = m;
  const nsLabels =
    nsText && nsText.includes('=') ? labelsFrom(nsText.replace(/`/g, '')) : {};
  const alts =
    labelsText === 'none'
      ? ['']
      : [...labelsText.matchAll(/`([^`]*)`/g)].map(x => x[1]);
  let base: Record<string, string> = {};
  return alts.map((a, i) => {
    // "`app=bookstore,role=search` or `role=api`": later alternatives only change the keys they name.
    const labels = { ...base, ...labelsFrom(a) };
    if (i === 0) base = labels;
    const c = pod(ns, labels, `client-${i}`);
    c.nsLabels = [ns, nsLabels];
    return c;
  });
}

interface Target {
  query: PeerQuery;
  port: number;
  protocol: Protocol;
}

function parseTargets(
  text: string,
  subject: Record<string, string>,
): { targets: Target[]; pods: TestPod[] } {
  const pods: TestPod[] = [];
  const targets: Target[] = [];
  const addPod = (
    labels: Record<string, string>,
    port: number,
    name: string,
    ns = 'default',
    protocol: Protocol = 'TCP',
  ) => {
    if (!pods.some(p => p.name === name && p.namespace === ns)) {
      pods.push({
        namespace: ns,
        name,
        labels,
        ports: [{ containerPort: port, protocol }],
      });
    }
    targets.push({ query: `${ns}/${name}[Pod]`, port, protocol });
  };
  const dns = () =>
    addPod({ 'k8s-app': 'kube-dns' }, 53, 'kube-dns', 'kube-system', 'UDP');
  if (text === 'DNS lookup') {
    dns();
    return { targets, pods };
  }
  if (text === 'anything, DNS included') {
    addPod({ app: 'web' }, 80, 'web');
    dns();
    targets.push({ query: { ip: EXTERNAL_DST }, port: 80, protocol: 'TCP' });
    return { targets, pods };
  }
  if (text === 'any pod in default') {
    addPod({ app: 'web' }, 80, 'web');
    return { targets, pods };
  }
  for (const part of text.split(' and ')) {
    const m = /^([\w.-]+):(\d+)(?: \(→ (?:pod )?(\d+)\))?$/.exec(part.trim());
    if (!m) throw new Error(`cannot parse destination "${text}"`);
    const [, host, svcPort, podPort] = m;
    const port = Number(podPort ?? svcPort);
    if (host.includes('example.com'))
      targets.push({ query: { ip: EXTERNAL_DST }, port, protocol: 'TCP' });
    else {
      const name = host.split('.')[0];
      addPod(name === 'web' ? { app: 'web' } : subject, port, name);
    }
  }
  return { targets, pods };
}

describeWithShared('oracle: network policy recipes', RECIPES, () => {
  const { rows, excluded } = parseTable(fs.readFileSync(RECIPES, 'utf8'));
  const summary: Record<string, { pass: number; fail: number }> = {};
  for (const asCnp of [false, true]) {
    for (const row of rows) {
      it(`${asCnp ? '[CNP] ' : ''}recipe ${row.id} (line ${row.line}): ${
        row.client
      } → ${row.destination} is ${row.expected}`, () => {
        const policies = row.files.flatMap(f =>
          readDocs(path.join(ORACLE_DIR, 'recipes', f)),
        );
        const first = policies[0] as {
          spec?: {
            podSelector?: { matchLabels?: Record<string, string> | null };
          };
        };
        const subject = first?.spec?.podSelector?.matchLabels ?? {};
        const clients = parseClients(row.client);
        const { targets, pods } = parseTargets(
          row.destination,
          Object.keys(subject).length ? subject : { app: 'web' },
        );
        const namespaces: Record<string, Record<string, string>> = {
          default: {},
          'kube-system': {},
        };
        for (const c of clients)
          if (c.nsLabels) namespaces[c.nsLabels[0]] = c.nsLabels[1];
        const engine = buildWorld(
          [...pods, ...clients.flatMap(c => (c.pod ? [c.pod] : []))],
          namespaces,
          policies,
          { asCnp },
        );
        const key = asCnp ? 'as CNP' : 'as KNP';
        const s = (summary[key] = summary[key] ?? { pass: 0, fail: 0 });
        const verdicts = clients.flatMap(c =>
          targets.map(
            t => engine.evaluate(c.query, t.query, t.port, t.protocol).allowed,
          ),
        );
        const ok =
          verdicts.length > 0 &&
          verdicts.every(v => v === (row.expected === 'A'));
        s[ok ? 'pass' : 'fail']++;
        expect(verdicts.every(v => v === (row.expected === 'A'))).toBe(true);
      });
    }
  }
  afterAll(() => {
    for (const [k, v] of Object.entries(summary)) {
      // eslint-disable-next-line no-console
      console.log(
        `recipes ${k}: ${v.pass}/${v.pass + v.fail} rows passed, ${
          excluded.length
        } excluded (${excluded.map(e => `${e.id}: ${e.reason}`).join('; ')})`,
      );
    }
  });
});
