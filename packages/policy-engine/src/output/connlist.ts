import { cmp } from '../model/compare';
import type { Edge } from '../evaluate/types';
import { formatRuleRef } from '../model/policy';

/**
 * Output formats of `list`.
 *
 * @public
 */
export type ListFormat = 'txt' | 'json' | 'md' | 'csv' | 'dot';

/**
 * One connlist line.
 *
 * @public
 */
export interface ConnLine {
  src: string;
  dst: string;
  conn: string;
}

/**
 * Edges with something allowed, as sorted netpol-analyzer style lines.
 *
 * @public
 */
export function connLines(edges: readonly Edge[]): ConnLine[] {
  return edges
    .filter(e => !e.conn.isEmpty())
    .map(e => ({ src: e.src.id, dst: e.dst.id, conn: e.conn.toString() }))
    .sort((a, b) =>
      cmp(
        `${a.src} => ${a.dst} : ${a.conn}`,
        `${b.src} => ${b.dst} : ${b.conn}`,
      ),
    );
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function jsonEdge(e: Edge): Record<string, unknown> {
  const side = (s: Edge['egress']) =>
    s && {
      isolated: s.isolated,
      isolatedBy: s.isolatedBy.map(
        p => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`,
      ),
      conn: s.conn.toString(),
      ...(s.defaultAllow ? { defaultAllow: s.defaultAllow } : {}),
      allowedBy: s.allowedBy.map(g => ({
        conn: g.conn.toString(),
        rule: formatRuleRef(g.rule),
        ref: g.rule,
        ...(g.l7
          ? { l7: g.l7.map(x => ({ conn: x.conn.toString(), ...x.rules })) }
          : {}),
        ...(g.ineffective ? { ineffective: g.ineffective } : {}),
      })),
      deniedBy: s.deniedBy.map(g => ({
        conn: g.conn.toString(),
        rule: formatRuleRef(g.rule),
        ref: g.rule,
      })),
    };
  return {
    src: e.src.id,
    dst: e.dst.id,
    conn: e.conn.toString(),
    ...(e.denied.isEmpty() ? {} : { denied: e.denied.toString() }),
    ...(e.egress ? { egress: side(e.egress) } : {}),
    ...(e.ingress ? { ingress: side(e.ingress) } : {}),
  };
}

/**
 * Formats edges. `txt`, `csv`, `md` and the `src`/`dst`/`conn` fields of `json`
 * match netpol-analyzer's connlist; `json` adds provenance per side.
 *
 * @public
 */
export function formatConnlist(
  edges: readonly Edge[],
  format: ListFormat,
): string {
  const lines = connLines(edges);
  switch (format) {
    case 'txt':
      return lines.map(l => `${l.src} => ${l.dst} : ${l.conn}\n`).join('');
    case 'csv':
      return `${[
        'src,dst,conn',
        ...lines.map(l => [l.src, l.dst, l.conn].map(csvCell).join(',')),
      ].join('\n')}\n`;
    case 'md':
      return `${[
        '| src | dst | conn |',
        '|-----|-----|------|',
        ...lines.map(l => `| ${l.src} | ${l.dst} | ${l.conn} |`),
      ].join('\n')}\n`;
    case 'json': {
      const byKey = new Map<string, Edge>();
      for (const e of edges)
        if (!e.conn.isEmpty()) byKey.set(`${e.src.id}\u0000${e.dst.id}`, e);
      const out = lines.map(l =>
        jsonEdge(byKey.get(`${l.src}\u0000${l.dst}`)!),
      );
      return `${JSON.stringify(
        out,
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
        2,
      )}\n`;
    }
    case 'dot': {
      const nodes = new Set<string>();
      for (const l of lines) {
        nodes.add(l.src);
        nodes.add(l.dst);
      }
      const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
      const shape = (id: string) => {
        if (id.endsWith('[External]') || id.endsWith('[FQDN]')) return 'box';
        return id.endsWith('[Entity]') ? 'diamond' : 'ellipse';
      };
      return `${[
        'digraph {',
        ...[...nodes]
          .sort()
          .map(n => `\t${q(n)} [label=${q(n)} shape=${shape(n)}]`),
        ...lines.map(l => `\t${q(l.src)} -> ${q(l.dst)} [label=${q(l.conn)}]`),
        '}',
      ].join('\n')}\n`;
    }
    default:
      throw new Error(`unknown format ${String(format)}`);
  }
}

/**
 * Parses connlist text (`src => dst : conn` lines) into lines.
 *
 * @public
 */
export function parseConnlistText(text: string): ConnLine[] {
  const out: ConnLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(.+?) => (.+?) : (.+)$/.exec(line);
    if (m) out.push({ src: m[1], dst: m[2], conn: m[3] });
  }
  return out;
}
