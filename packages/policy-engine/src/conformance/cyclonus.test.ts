import * as fs from 'fs';
import * as path from 'path';
import { listManifestFiles } from '../load/load-directory';
import type { Protocol } from '../model/connset';
import { readDocs } from '../__testUtils__/load';
import { ORACLE_DIR, describeWithShared } from '../__testUtils__/shared';
import { buildWorld, TestPod } from '../__testUtils__/world';
import type { PeerQuery } from '../evaluate/engine';

const CY = path.join(ORACLE_DIR, 'cyclonus');

interface ProbeModel {
  Resources: {
    Namespaces: Record<string, Record<string, string>>;
    Pods: Array<{
      Namespace: string;
      Name: string;
      Labels: Record<string, string>;
      Containers: Array<{ Port: number; PortName: string; Protocol: string }>;
    }>;
  };
}

const summary: Record<
  string,
  { pass: number; fail: number; excluded: number }
> = {};

describeWithShared('oracle: cyclonus', CY, () => {
  const model = JSON.parse(
    fs.readFileSync(path.join(CY, 'examples/probe.json'), 'utf8'),
  ) as ProbeModel;
  const pods: TestPod[] = model.Resources.Pods.map(p => ({
    namespace: p.Namespace,
    name: p.Name,
    labels: p.Labels,
    ports: p.Containers.map(c => ({
      name: c.PortName,
      containerPort: c.Port,
      protocol: c.Protocol.toUpperCase(),
    })),
  }));
  const policies = listManifestFiles(
    path.join(CY, 'networkpolicies/simple-example'),
  ).flatMap(f => readDocs(f));
  const rows = fs
    .readFileSync(path.join(CY, 'derived_probe_truth_table.tsv'), 'utf8')
    .split('\n')
    .filter(l => l && !l.startsWith('#') && !l.startsWith('from\t'))
    .map(l => l.split('\t'));

  for (const asCnp of [false, true]) {
    const key = asCnp ? 'truth table as CNP' : 'truth table';
    it(`${key}: every probe row agrees`, () => {
      const engine = buildWorld(pods, model!.Resources.Namespaces, policies, {
        asCnp,
      });
      const wrong: string[] = [];
      const s = (summary[key] = { pass: 0, fail: 0, excluded: 0 });
      for (const [from, to, probe, verdict] of rows) {
        if (verdict !== 'allowed' && verdict !== 'blocked') {
          s.excluded++; // N = nothing listens on that port: the engine does not model listening sockets
          continue;
        }
        const [proto, port] = probe.split('/');
        const v = engine.evaluate(
          `${from}[Pod]`,
          `${to}[Pod]`,
          Number(port),
          proto as Protocol,
        );
        if (v.allowed === (verdict === 'allowed')) s.pass++;
        else {
          s.fail++;
          wrong.push(`${from} -> ${to} ${probe}: expected ${verdict}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(s.pass).toBeGreaterThan(0);
    });

    const tkey = asCnp ? 'traffic queries as CNP' : 'traffic queries';
    it(`${tkey}: analyze-query-traffic verdicts`, () => {
      const engine = buildWorld(pods, model!.Resources.Namespaces, policies, {
        asCnp,
      });
      const traffic = JSON.parse(
        fs.readFileSync(path.join(CY, 'examples/traffic.json'), 'utf8'),
      ) as Array<Record<string, any>>;
      const expected = [
        ...fs
          .readFileSync(
            path.join(CY, 'examples/cyclonus-output/analyze-query-traffic.txt'),
            'utf8',
          )
          .matchAll(/IS ALLOWED\? \|\s+(TRUE|FALSE)/g),
      ].map(m => m[1] === 'TRUE');
      expect(expected.length).toBe(traffic.length);
      const q = (end: Record<string, any>): PeerQuery =>
        end.Internal
          ? {
              namespace: end.Internal.Namespace,
              labels: end.Internal.PodLabels,
              namespaceLabels: end.Internal.NamespaceLabels,
            }
          : { ip: end.IP };
      const s = (summary[tkey] = { pass: 0, fail: 0, excluded: 0 });
      traffic.forEach((t, i) => {
        const v = engine.evaluate(
          q(t.Source),
          q(t.Destination),
          t.ResolvedPort,
          t.Protocol,
        );
        if (v.allowed === expected[i]) s.pass++;
        else s.fail++;
      });
      expect(s.fail).toBe(0);
    });
  }

  afterAll(() => {
    for (const [k, v] of Object.entries(summary)) {
      // eslint-disable-next-line no-console
      console.log(
        `cyclonus ${k}: ${v.pass}/${v.pass + v.fail} passed, ${
          v.excluded
        } excluded (invalid port/protocol rows)`,
      );
    }
  });
});
