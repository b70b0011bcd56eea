import type {
  FlowFilterJson,
  FlowJson,
} from '@cilium-zero-trust/plugin-cilium-node';

/**
 * Evaluates Hubble FlowFilters (as in a GetFlowsRequest) on flows in protojson
 * shape. Inside one filter every populated field must match; within a field
 * any value may match; whitelist = any filter matches (empty = all); the
 * result is whitelist minus blacklist. Filter fields we do not implement are
 * rejected with an error, which the server reports like Relay: a NODE_ERROR.
 *
 * @public
 */

export class FilterError extends Error {}

type Predicate = (flow: FlowJson) => boolean;

const L4_PROTOCOLS: Record<string, string[]> = {
  tcp: ['TCP'],
  udp: ['UDP'],
  sctp: ['SCTP'],
  icmp: ['ICMPv4', 'ICMPv6'],
  icmpv4: ['ICMPv4'],
  icmpv6: ['ICMPv6'],
  vrrp: ['VRRP'],
  igmp: ['IGMP'],
};
const L7_PROTOCOLS = new Set(['dns', 'http', 'kafka']);

function parsePodFilter(value: string): { ns: string; prefix: string } {
  if (!value) throw new FilterError('empty pod filter');
  const slash = value.indexOf('/');
  if (slash < 0) return { ns: 'default', prefix: value };
  return { ns: value.slice(0, slash), prefix: value.slice(slash + 1) };
}

function podMatcher(
  values: string[],
  side: 'source' | 'destination',
): Predicate {
  const parsed = values.map(parsePodFilter);
  return flow => {
    const ep = flow[side];
    const ns = ep?.namespace ?? '';
    const pod = ep?.pod_name ?? '';
    if (!ns && !pod) return false;
    return parsed.some(
      p => (p.ns === '' || p.ns === ns) && pod.startsWith(p.prefix),
    );
  };
}

function serviceMatcher(
  values: string[],
  key: 'source_service' | 'destination_service',
): Predicate {
  const parsed = values.map(parsePodFilter);
  return flow => {
    const svc = flow[key] as { name?: string; namespace?: string } | undefined;
    if (!svc?.name && !svc?.namespace) return false;
    return parsed.some(
      p =>
        (p.ns === '' || p.ns === (svc.namespace ?? '')) &&
        (svc.name ?? '').startsWith(p.prefix),
    );
  };
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d+$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function ipMatcher(values: string[], key: 'source' | 'destination'): Predicate {
  const tests = values.map(v => {
    if (!v.includes('/')) return (ip: string) => ip === v;
    const [base, bits] = v.split('/');
    const b = ipv4ToInt(base);
    const n = Number(bits);
    if (b === undefined || !(n >= 0 && n <= 32)) {
      // IPv6 CIDR: compare the textual prefix only when it is a whole-group boundary.
      if (base.includes(':') && n % 16 === 0) {
        const groups = base
          .split(':')
          .slice(0, n / 16)
          .join(':');
        return (ip: string) => ip.startsWith(groups);
      }
      throw new FilterError(`invalid CIDR ${v}`);
    }
    const size = 2 ** (32 - n);
    const start = Math.floor(b / size) * size;
    return (ip: string) => {
      const x = ipv4ToInt(ip);
      return x !== undefined && x >= start && x < start + size;
    };
  });
  return flow => {
    const ip = flow.IP?.[key];
    return Boolean(ip) && tests.some(t => t(ip as string));
  };
}

/** One requirement of a Hubble label selector (`k8s:app=x`, `!reserved:host`, `app in (a,b)`). */
function labelRequirement(
  term: string,
): (labels: Map<string, string[]>) => boolean {
  const t = term.trim();
  let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
  if (m) {
    const key = m[1];
    const values = m[3].split(',').map(s => s.trim());
    const notin = m[2] === 'notin';
    return labels => {
      const found = lookup(labels, key);
      const hit = found.some(v => values.includes(v));
      return notin ? !hit : hit;
    };
  }
  m = /^!\s*([^\s!=]+)$/.exec(t);
  if (m) {
    const key = m[1];
    return labels => lookup(labels, key).length === 0;
  }
  m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(t);
  if (m) {
    const key = m[1];
    const value = m[3];
    const neg = m[2] === '!=';
    return labels => {
      const hit = lookup(labels, key).includes(value);
      return neg ? !hit : hit;
    };
  }
  m = /^([^\s!=(),]+)$/.exec(t);
  if (m) {
    const key = m[1];
    return labels => lookup(labels, key).length > 0;
  }
  throw new FilterError(`unable to parse label selector term "${term}"`);
}

/** Values of `key` in labels; keys without a `source:` prefix match any source. */
function lookup(labels: Map<string, string[]>, key: string): string[] {
  if (key.includes(':')) return labels.get(key) ?? [];
  return labels.get(`*:${key}`) ?? [];
}

function splitSelector(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

function labelIndex(labels: string[] | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const l of labels ?? []) {
    const colon = l.indexOf(':');
    const eq = l.indexOf('=', colon + 1);
    const key = eq < 0 ? l : l.slice(0, eq);
    const value = eq < 0 ? '' : l.slice(eq + 1);
    const bare = key.slice(colon + 1);
    for (const k of [key, `*:${bare}`]) {
      const arr = map.get(k);
      if (arr) arr.push(value);
      else map.set(k, [value]);
    }
  }
  return map;
}

function labelMatcher(
  values: string[],
  side: 'source' | 'destination',
): Predicate {
  const selectors = values.map(v => splitSelector(v).map(labelRequirement));
  return flow => {
    const idx = labelIndex(flow[side]?.labels);
    return selectors.some(reqs => reqs.every(r => r(idx)));
  };
}

function glob(pattern: string): RegExp {
  const re = pattern
    .split('*')
    .map(s => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${re}$`);
}

function l4Of(flow: FlowJson): {
  proto?: string;
  sport?: number;
  dport?: number;
} {
  const l4 = (flow.l4 ?? {}) as Record<
    string,
    { source_port?: number; destination_port?: number }
  >;
  const proto = Object.keys(l4)[0];
  if (!proto) return {};
  return {
    proto,
    sport: l4[proto]?.source_port,
    dport: l4[proto]?.destination_port,
  };
}

function compileOne(filter: FlowFilterJson): Predicate {
  const preds: Predicate[] = [];
  for (const [key, raw] of Object.entries(filter)) {
    if (raw === undefined || raw === null) continue;
    const values = raw as any[];
    if (Array.isArray(values) && values.length === 0) continue;
    switch (key) {
      case 'uuid':
        preds.push(f => values.includes(f.uuid));
        break;
      case 'source_pod':
      case 'destination_pod':
        preds.push(
          podMatcher(values, key === 'source_pod' ? 'source' : 'destination'),
        );
        break;
      case 'source_service':
      case 'destination_service':
        preds.push(serviceMatcher(values, key));
        break;
      case 'source_ip':
      case 'destination_ip':
        preds.push(
          ipMatcher(values, key === 'source_ip' ? 'source' : 'destination'),
        );
        break;
      case 'source_label':
      case 'destination_label':
        preds.push(
          labelMatcher(
            values,
            key === 'source_label' ? 'source' : 'destination',
          ),
        );
        break;
      case 'source_fqdn':
      case 'destination_fqdn': {
        const res = values.map(v => glob(v));
        const field =
          key === 'source_fqdn' ? 'source_names' : 'destination_names';
        preds.push(f =>
          ((f[field] as string[]) ?? []).some(n => res.some(r => r.test(n))),
        );
        break;
      }
      case 'source_workload':
      case 'destination_workload': {
        const side = key === 'source_workload' ? 'source' : 'destination';
        preds.push(f =>
          (f[side]?.workloads ?? []).some(w =>
            values.some(
              (v: { name?: string; kind?: string }) =>
                (!v.name || v.name === w.name) &&
                (!v.kind || v.kind === w.kind),
            ),
          ),
        );
        break;
      }
      case 'source_identity':
      case 'destination_identity': {
        const side = key === 'source_identity' ? 'source' : 'destination';
        preds.push(f => values.includes(f[side]?.identity ?? 0));
        break;
      }
      case 'verdict':
        preds.push(f => values.includes(f.verdict ?? 'VERDICT_UNKNOWN'));
        break;
      case 'drop_reason_desc':
        preds.push(f =>
          values.includes(f.drop_reason_desc ?? 'DROP_REASON_UNKNOWN'),
        );
        break;
      case 'traffic_direction':
        preds.push(f =>
          values.includes(f.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN'),
        );
        break;
      case 'event_type':
        preds.push(f =>
          values.some(
            (v: {
              type?: number;
              match_sub_type?: boolean;
              sub_type?: number;
            }) =>
              (v.type ?? 0) === (f.event_type?.type ?? 0) &&
              (!v.match_sub_type ||
                (v.sub_type ?? 0) === (f.event_type?.sub_type ?? 0)),
          ),
        );
        break;
      case 'protocol': {
        const l4: string[] = [];
        const l7: string[] = [];
        for (const v of values as string[]) {
          const p = String(v).toLowerCase();
          if (L4_PROTOCOLS[p]) l4.push(...L4_PROTOCOLS[p]);
          else if (L7_PROTOCOLS.has(p)) l7.push(p);
          else throw new FilterError(`unknown protocol: ${v}`);
        }
        preds.push(f => {
          const { proto } = l4Of(f);
          if (proto && l4.includes(proto)) return true;
          const rec = f.l7
            ? Object.keys(f.l7).find(k => L7_PROTOCOLS.has(k))
            : undefined;
          return Boolean(rec && l7.includes(rec));
        });
        break;
      }
      case 'source_port':
      case 'destination_port': {
        const ports = (values as string[]).map(v => {
          const n = Number(v);
          if (!/^\d+$/.test(String(v)) || n > 65535) {
            throw new FilterError(`invalid port: ${v}`);
          }
          return n;
        });
        const pick = key === 'source_port' ? 'sport' : 'dport';
        preds.push(f => {
          const p = l4Of(f)[pick];
          return p !== undefined && ports.includes(p);
        });
        break;
      }
      case 'reply':
        preds.push(f => {
          const r = f.is_reply ?? f.reply;
          return r !== undefined && values.includes(Boolean(r));
        });
        break;
      case 'node_name': {
        const res = values.map(v => glob(v));
        preds.push(f => res.some(r => r.test(f.node_name ?? '')));
        break;
      }
      case 'http_method':
        preds.push(f => {
          const m = f.l7?.http?.method;
          return (
            Boolean(m) &&
            values.some(v => String(v).toUpperCase() === m?.toUpperCase())
          );
        });
        break;
      case 'http_status_code':
        preds.push(f => {
          const code = f.l7?.http?.code;
          if (!code) return false;
          return (values as string[]).some(v =>
            v.endsWith('+')
              ? String(code).startsWith(v.slice(0, -1))
              : String(code) === v,
          );
        });
        break;
      case 'dns_query': {
        const res = values.map(v => new RegExp(v));
        preds.push(f => {
          const q = f.l7?.dns?.query;
          return q !== undefined && res.some(r => r.test(q));
        });
        break;
      }
      default:
        throw new FilterError(
          `filter field ${key} is not supported by hubble-relay-sim`,
        );
    }
  }
  return f => preds.every(p => p(f));
}

/**
 * Compiles a request's whitelist/blacklist into one predicate over flows.
 * Throws {@link FilterError} for filters Relay's nodes would reject.
 *
 * @public
 */
export function compileFlowFilters(
  whitelist: FlowFilterJson[] | undefined,
  blacklist: FlowFilterJson[] | undefined,
): (flow: FlowJson) => boolean {
  const allow = (whitelist ?? []).map(compileOne);
  const deny = (blacklist ?? []).map(compileOne);
  if (!allow.length && !deny.length) return () => true;
  return flow =>
    (allow.length === 0 || allow.some(p => p(flow))) &&
    !deny.some(p => p(flow));
}
