import { PolicyEngine } from '@cilium-zero-trust/cilium-policy-engine';
import { sampleEngine } from '../../__testUtils__/sampleWorld';
import type { ClusterModel, ClusterSnapshot } from '../ClusterModel';
import { ClusterRegistry } from '../ClusterRegistry';
import { CoverageHistory } from './CoverageHistory';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-26T10:00:00Z');

function snapshot(
  engine: PolicyEngine,
  policiesUnavailable?: string,
): ClusterSnapshot {
  return {
    engine,
    loadedAt: new Date(T0),
    diagnostics: [],
    policyFiles: new Map(),
    policiesUnavailable,
  };
}

describe('CoverageHistory', () => {
  const engine = sampleEngine();
  const expected = {
    workloads: engine.coverage().length,
    ingressIsolated: engine.coverage().filter(c => c.ingress.isolated).length,
    egressIsolated: engine.coverage().filter(c => c.egress.isolated).length,
  };

  it('keeps one sample a minute per cluster, and none while the policy source cannot be read', async () => {
    let now = T0;
    let current = snapshot(engine);
    const model = { current: async () => current } as unknown as ClusterModel;
    const history = new CoverageHistory({
      clusters: new ClusterRegistry([{ name: 'dev', model }]),
      now: () => now,
    });
    // The sample world isolates some workloads but not all of them.
    expect(expected.workloads).toBeGreaterThan(expected.ingressIsolated);
    expect(expected.ingressIsolated).toBeGreaterThan(0);

    const first = await history.sample();
    expect(first.get('dev')).toEqual({ coverage: expected });
    const m0 = Math.floor(T0 / MINUTE);
    expect(history.at('dev', m0)).toEqual(expected);

    now += MINUTE;
    current = snapshot(engine, 'the branch main was not found');
    const second = await history.sample();
    expect(second.get('dev')).toEqual({
      unavailable: 'the branch main was not found',
    });
    expect(history.at('dev', m0 + 1)).toBeUndefined();
    expect(history.at('dev', m0)).toEqual(expected);

    // An hour later the first minute's slot holds nothing from before.
    now = T0 + 60 * MINUTE;
    expect(history.at('dev', m0 + 60)).toBeUndefined();
    current = snapshot(engine);
    await history.sample();
    expect(history.at('dev', m0 + 60)).toEqual(expected);
    expect(history.at('dev', m0)).toBeUndefined();
  });

  it('says why when the sources cannot be evaluated at all', async () => {
    const model = {
      current: async () => {
        throw new Error('folder /nope does not exist');
      },
    } as unknown as ClusterModel;
    const history = new CoverageHistory({
      clusters: new ClusterRegistry([{ name: 'dev', model }]),
      now: () => T0,
    });
    const result = await history.sample();
    expect(result.get('dev')?.unavailable).toMatch(
      /could not be read: folder \/nope does not exist/,
    );
    expect(history.at('dev', Math.floor(T0 / MINUTE))).toBeUndefined();
  });
});
