import type { FlowJson } from '@cilium-zero-trust/plugin-cilium-node';

/**
 * Keeps only the fields named by a GetFlowsRequest.field_mask (proto paths such
 * as `source.pod_name`, or their lowerCamel JSON form) in a flow.
 */
export function applyFieldMask(flow: FlowJson, paths: string[]): FlowJson {
  const tree: Record<string, unknown> = {};
  for (const p of paths) {
    let node = tree;
    const parts = p.split('.');
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = true;
      else
        node = (node[part] =
          (node[part] as Record<string, unknown>) ?? {}) as Record<
          string,
          unknown
        >;
    });
  }
  return prune(flow as Record<string, unknown>, tree) as FlowJson;
}

function prune(
  value: Record<string, unknown>,
  tree: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(value)) {
    // Mask paths use proto names; their lowerCamel JSON form also matches.
    const t =
      tree[key] ??
      tree[key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())];
    if (t === true) out[key] = sub;
    else if (t && sub && typeof sub === 'object' && !Array.isArray(sub)) {
      out[key] = prune(
        sub as Record<string, unknown>,
        t as Record<string, unknown>,
      );
    }
  }
  return out;
}
