import { PolicyEngine, EngineOptions } from '../evaluate/engine';
import { InventoryBuilder } from '../parse/inventory';
import { knpToCnp } from './knp-to-cnp';

/** A pod for an in-memory test world. */
export interface TestPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
}

/** Builds an engine from pods, namespace labels and policy objects (optionally rewriting KNPs as CNPs). */
export function buildWorld(
  pods: TestPod[],
  namespaces: Record<string, Record<string, string>>,
  policies: unknown[],
  opts: { asCnp?: boolean; engine?: EngineOptions } = {},
): PolicyEngine {
  const b = new InventoryBuilder();
  for (const [name, labels] of Object.entries(namespaces)) {
    b.addObject({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels },
    });
  }
  for (const p of pods) {
    b.addObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
      spec: { containers: [{ name: 'c', ports: p.ports ?? [] }] },
    });
  }
  for (const pol of policies) {
    const o = pol as Record<string, unknown>;
    b.addObject(opts.asCnp && o.kind === 'NetworkPolicy' ? knpToCnp(o) : o);
  }
  return new PolicyEngine(b.build(), { entityPeers: 'none', ...opts.engine });
}
