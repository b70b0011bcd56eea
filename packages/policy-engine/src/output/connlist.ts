import { cmp } from '../model/compare';
import type { Edge } from '../evaluate/types';
import { formatRuleRef } from '../model/policy';
import { bigintAsString, jsonArrayChunks } from './json';

/**
 * Output formats of `list`.
 *
 * @public
 */
export type ListFormat = 'txt' | 'json' | 'md' | 'csv' | 'dot';

const LIST_FORMATS: readonly string[] = ['txt', 'json', 'md', 'csv', 'dot'];

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

/** A connlist line with its sort key (`src => dst : conn`) and, when kept, its edge. */
interface SortedLine extends ConnLine {
  key: string;
  edge?: Edge;
}

/**
 * The edges with something allowed as connlist lines, sorted by their text.
 * One pass over `edges` (no copy of the input); the edge is kept only when
 * the caller needs its provenance.
 */
function sortedLines(edges: Iterable<Edge>, keepEdges: boolean): SortedLine[] {
  const out: SortedLine[] = [];
  for (const e of edges) {
    if (e.conn.isEmpty()) continue;
    const conn = e.conn.toString();
    const line: SortedLine = {
      src: e.src.id,
      dst: e.dst.id,
      conn,
      key: `${e.src.id} => ${e.dst.id} : ${conn}`,
    };
    if (keepEdges) line.edge = e;
    out.push(line);
  }
  return out.sort((a, b) => cmp(a.key, b.key));
}

/**
 * Edges with something allowed, as sorted netpol-analyzer style lines.
 *
 * @public
 */
export function connLines(edges: Iterable<Edge>): ConnLine[] {
  return sortedLines(edges, false).map(({ src, dst, conn }) => ({
    src,
    dst,
    conn,
  }));
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
 * The whole text at once: for large graphs use {@link formatConnlistChunks}.
 *
 * @public
 */
export function formatConnlist(
  edges: Iterable<Edge>,
  format: ListFormat,
): string {
  return [...formatConnlistChunks(edges, format)].join('');
}

/**
 * Formats edges like {@link formatConnlist}, in pieces (about one line or one
 * edge each) whose concatenation is its text: a writer can send them out as
 * they come, so no single string holds the whole output.
 *
 * The lines are sorted, so every edge is read before the first piece; the
 * edges are then only referenced, not copied. `txt`, `csv`, `md` and `dot` need
 * only `src`, `dst` and `conn` (a graph built without detail is enough);
 * `json` reads each edge's `egress`/`ingress` provenance. Each line is
 * written from its own edge (a graph has one edge per ordered pair of peers).
 *
 * @public
 */
export function* formatConnlistChunks(
  edges: Iterable<Edge>,
  format: ListFormat,
): Generator<string, void, undefined> {
  if (!LIST_FORMATS.includes(format))
    throw new Error(`unknown format ${String(format)}`);
  const lines = sortedLines(edges, format === 'json');
  switch (format) {
    case 'txt':
      for (const l of lines) yield `${l.key}\n`;
      return;
    case 'csv':
      yield 'src,dst,conn\n';
      for (const l of lines)
        yield `${[l.src, l.dst, l.conn].map(csvCell).join(',')}\n`;
      return;
    case 'md':
      yield '| src | dst | conn |\n|-----|-----|------|\n';
      for (const l of lines) yield `| ${l.src} | ${l.dst} | ${l.conn} |\n`;
      return;
    case 'json':
      yield* jsonArrayChunks(
        (function* edgesInOrder() {
          for (const l of lines) yield jsonEdge(l.edge!);
        })(),
        bigintAsString,
      );
      return;
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
      yield 'digraph {\n';
      for (const n of [...nodes].sort())
        yield `\t${q(n)} [label=${q(n)} shape=${shape(n)}]\n`;
      for (const l of lines)
        yield `\t${q(l.src)} -> ${q(l.dst)} [label=${q(l.conn)}]\n`;
      yield '}\n';
      return;
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
