import { seededRandom } from '../__testUtils__/randomWorld';
import { parseSelector, selectorMatches } from './selector';
import {
  CachedSelection,
  SelectorCache,
  WorkloadLabels,
} from './selector-cache';

const NS_KEY = 'k8s:io.kubernetes.pod.namespace';
const TEAM_KEY = 'k8s:io.cilium.k8s.namespace.labels.team';

/** Random workloads in a few namespaces; some share labels, one has a pod label with a namespace key. */
function workloads(seed: number): WorkloadLabels[] {
  const r = seededRandom(seed);
  const namespaces = ['a', 'b', 'c'].map(
    ns =>
      new Map([
        [NS_KEY, ns],
        [TEAM_KEY, r.pick(['x', 'y'])],
        ['k8s:io.cilium.k8s.policy.cluster', 'default'],
      ]),
  );
  const out: WorkloadLabels[] = [];
  for (let i = 0; i < 60; i++) {
    const own = new Map<string, string>([
      ['k8s:app', r.pick(['web', 'db', 'api'])],
      ['k8s:io.cilium.k8s.policy.serviceaccount', r.pick(['default', 'sa'])],
    ]);
    if (r.chance(0.5)) own.set('k8s:tier', r.pick(['1', '2']));
    if (i === 7) own.set('k8s:io.cilium.k8s.namespace.labels.env', 'odd');
    out.push({ namespace: r.pick(namespaces), own });
  }
  return out;
}

function randomSelector(seed: number) {
  const r = seededRandom(seed);
  const matchLabels: Record<string, string> = {};
  if (r.chance(0.6)) matchLabels.app = r.pick(['web', 'db', 'api', 'none']);
  if (r.chance(0.3)) matchLabels[NS_KEY] = r.pick(['a', 'b', 'zz']);
  if (r.chance(0.3))
    matchLabels['io.cilium.k8s.namespace.labels.team'] = r.pick(['x', 'y']);
  const op = r.pick(['In', 'NotIn', 'Exists', 'DoesNotExist']);
  const key = r.pick([
    'tier',
    'app',
    'io.cilium.k8s.namespace.labels.env',
    'k8s:io.kubernetes.pod.namespace',
    'reserved:host',
  ]);
  return parseSelector({
    matchLabels,
    matchExpressions: r.chance(0.6)
      ? [
          op === 'In' || op === 'NotIn'
            ? { key, operator: op, values: [r.pick(['1', 'web', 'a', 'odd'])] }
            : { key, operator: op },
        ]
      : [],
  });
}

describe('SelectorCache', () => {
  it.each([1, 2, 3])(
    'selects exactly the workloads whose full labels match (seed %i)',
    seed => {
      const labels = workloads(seed);
      const cache = new SelectorCache(labels);
      expect(cache.identityCount).toBeLessThan(labels.length);
      const full = labels.map(
        l => new Map([...l.namespace, ...l.own]) as ReadonlyMap<string, string>,
      );
      const selections: CachedSelection[] = [];
      for (let k = 0; k < 200; k++) {
        const sel = randomSelector(seed * 1000 + k);
        const expected = full.flatMap((l, i) =>
          selectorMatches(sel, l) ? [i] : [],
        );
        const s = cache.get(sel);
        expect(s.workloads).toEqual(expected);
        expect(cache.get(sel)).toBe(s);
        selections.push(s);
      }
      labels.forEach((_, w) => {
        expect(cache.selectorsOf(w)).toEqual(
          [...new Set(selections)]
            .filter(s => s.workloads.includes(w))
            .map(s => s.id),
        );
      });
    },
  );
});
