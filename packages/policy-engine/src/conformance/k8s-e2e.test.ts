import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import type { Protocol } from '../model/connset';
import { ORACLE_DIR, describeWithShared } from '../__testUtils__/shared';
import { buildWorld, TestPod } from '../__testUtils__/world';

const E2E = path.join(ORACLE_DIR, 'k8s-e2e-netpol');

interface Case {
  id: string;
  pods: string[];
  policies: unknown[];
  probes: Array<{ protocol: string; port: number }>;
}

const summary: Record<string, { pass: number; fail: number; ignored: number }> =
  {};

describeWithShared('oracle: kubernetes e2e netpol truth tables', E2E, () => {
  const doc = parse(fs.readFileSync(path.join(E2E, 'cases.yaml'), 'utf8')) as {
    model: { namespaces: Record<string, Record<string, string>> };
    cases: Case[];
  };
  const rows = fs
    .readFileSync(path.join(E2E, 'truth_tables.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map(l => l.split('\t'));
  for (const asCnp of [false, true]) {
    for (const c of doc.cases) {
      it(`${asCnp ? '[CNP] ' : ''}${c.id}`, () => {
        const probePorts = new Set([80, 81, ...c.probes.map(p => p.port)]);
        const pods: TestPod[] = c.pods.map(p => {
          const [ns, name] = p.split('/');
          return {
            namespace: ns,
            name,
            labels: { pod: name },
            ports: [...probePorts].flatMap(port =>
              ['TCP', 'UDP', 'SCTP'].map(proto => ({
                name: `serve-${port}-${proto.toLowerCase()}`,
                containerPort: port,
                protocol: proto,
              })),
            ),
          };
        });
        const engine = buildWorld(pods, doc.model.namespaces, c.policies, {
          asCnp,
        });
        const key = asCnp ? 'as CNP' : 'as KNP';
        const s = (summary[key] = summary[key] ?? {
          pass: 0,
          fail: 0,
          ignored: 0,
        });
        const wrong: string[] = [];
        for (const [id, proto, port, from, to, verdict] of rows.filter(
          r => r[0] === c.id,
        )) {
          if (verdict === 'ignored') {
            s.ignored++;
            continue;
          }
          const v = engine.evaluate(
            `${from}[Pod]`,
            `${to}[Pod]`,
            Number(port),
            proto as Protocol,
          );
          if (v.allowed === (verdict === 'allowed')) s.pass++;
          else {
            s.fail++;
            wrong.push(
              `${id} ${proto}/${port} ${from}->${to}: expected ${verdict}`,
            );
          }
        }
        expect(wrong).toEqual([]);
      });
    }
  }
  afterAll(() => {
    for (const [k, v] of Object.entries(summary)) {
      // eslint-disable-next-line no-console
      console.log(
        `k8s-e2e truth tables ${k}: ${v.pass}/${v.pass + v.fail} passed, ${
          v.ignored
        } loopback rows ignored (upstream ignoreLoopback)`,
      );
    }
  });
});
