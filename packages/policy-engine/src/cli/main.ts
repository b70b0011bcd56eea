import * as fs from 'fs';
import { diffEngines } from '../evaluate/diff';
import { PolicyEngine } from '../evaluate/engine';
import type { Edge } from '../evaluate/types';
import { lint } from '../lint/lint';
import { loadDirectory } from '../load/load-directory';
import type { Protocol } from '../model/connset';
import type { Inventory } from '../model/inventory';
import { formatPolicyRef, formatRuleRef } from '../model/policy';
import { formatConnlist, ListFormat } from '../output/connlist';
import { DiffFormat, formatDiff } from '../output/diff';
import { opt, parseArgs, ParsedArgs, UsageError } from './args';

/** Error for unreadable input (exit code 2). */
class InputError extends Error {}

/**
 * Where the CLI writes.
 *
 * @public
 */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = `cilium-connect — who may talk to whom under Cilium / Kubernetes network policies

Usage:
  cilium-connect list     --dir D [-o txt|json|md|csv|dot] [--focus WORKLOAD] [--focus-direction ingress|egress]
  cilium-connect eval     --dir D -s SRC -d DST -p PORT[/PROTO] [-o txt|json]
  cilium-connect diff     --dir1 A --dir2 B [-o txt|csv|md|json]
  cilium-connect coverage --dir D [-o txt|json]
  cilium-connect lint     --dir D [-o txt|json]

Peers: ns/name[Kind], ns/name or a unique name; an IP address; an entity
(host, remote-node, kube-apiserver, world, ...); a DNS name (FQDN).

Exit codes: 0 clean (allowed, no difference, no finding), 1 findings (denied,
differences, unprotected workloads, lint findings), 2 usage or input error.
`;

function load(
  paths: string[],
  io: CliIo,
  opts: { strict: boolean },
): Inventory {
  for (const d of paths)
    if (!fs.existsSync(d)) throw new UsageError(`no such directory: ${d}`);
  const inv = loadDirectory(paths);
  for (const d of inv.diagnostics) {
    const where = d.file
      ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}: `
      : '';
    io.stderr(
      `${where}${d.severity}: ${d.message}${
        d.object ? ` (${d.object})` : ''
      }\n`,
    );
  }
  if (
    opts.strict &&
    inv.diagnostics.some(
      d =>
        (d.code === 'yaml' && d.severity === 'error') || d.code === 'template',
    )
  ) {
    throw new InputError('some documents could not be read');
  }
  return inv;
}

function dirs(args: ParsedArgs, name = 'dir'): string[] {
  const d = args.options[name] ?? (name === 'dir' ? args.positional : []);
  if (!d.length) throw new UsageError(`--${name} is required`);
  return d;
}

function format<T extends string>(
  args: ParsedArgs,
  allowed: readonly T[],
  def: T,
): T {
  const f = (opt(args, 'output') ?? def) as T;
  if (!allowed.includes(f))
    throw new UsageError(
      `unsupported output format "${f}" (one of ${allowed.join(', ')})`,
    );
  return f;
}

function cmdList(args: ParsedArgs, io: CliIo): number {
  const fmt = format<ListFormat>(
    args,
    ['txt', 'json', 'md', 'csv', 'dot'],
    'txt',
  );
  const engine = new PolicyEngine(load(dirs(args), io, { strict: false }), {
    clusterName: opt(args, 'cluster'),
  });
  const focus = opt(args, 'focus');
  let edges: Edge[];
  if (focus) {
    const view = engine.workloadView(focus);
    if (!view) throw new UsageError(`unknown or ambiguous workload "${focus}"`);
    const dir = opt(args, 'focus-direction');
    if (dir && dir !== 'ingress' && dir !== 'egress')
      throw new UsageError('--focus-direction must be ingress or egress');
    edges = [
      ...(dir !== 'egress' ? view.ingress.edges : []),
      ...(dir !== 'ingress' ? view.egress.edges : []),
    ];
  } else edges = engine.graph().edges;
  io.stdout(formatConnlist(edges, fmt));
  return 0;
}

function parsePort(s: string | undefined): {
  port: number;
  protocol: Protocol;
} {
  if (!s) throw new UsageError('-p PORT[/PROTO] is required');
  const m = /^(\d+)(?:\/(tcp|udp|sctp|icmp|icmpv6))?$/i.exec(s.trim());
  if (!m) throw new UsageError(`bad port "${s}" (e.g. 8080 or 53/UDP)`);
  const port = Number(m[1]);
  const up = (m[2] ?? 'TCP').toUpperCase();
  const protocol = (up === 'ICMPV6' ? 'ICMPv6' : up) as Protocol;
  if (
    protocol === 'ICMP' || protocol === 'ICMPv6'
      ? port > 255
      : port < 1 || port > 65535
  )
    throw new UsageError(`port ${port} out of range`);
  return { port, protocol };
}

function cmdEval(args: ParsedArgs, io: CliIo): number {
  const fmt = format(args, ['txt', 'json'] as const, 'txt');
  const src = opt(args, 'src');
  const dst = opt(args, 'dst');
  if (!src || !dst) throw new UsageError('-s SRC and -d DST are required');
  const { port, protocol } = parsePort(opt(args, 'port'));
  const engine = new PolicyEngine(load(dirs(args), io, { strict: false }), {
    clusterName: opt(args, 'cluster'),
  });
  let v;
  try {
    v = engine.evaluate(src, dst, port, protocol);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (fmt === 'json') {
    io.stdout(
      `${JSON.stringify({ src, dst, port, protocol, ...v }, null, 2)}\n`,
    );
    return v.allowed ? 0 : 1;
  }
  const lines = [
    `${
      v.allowed ? 'ALLOWED' : 'DENIED'
    }: ${src} => ${dst} : ${protocol} ${port}${
      v.droppedAt ? ` (dropped at ${v.droppedAt}: ${v.reason})` : ''
    }`,
  ];
  for (const side of [v.egress, v.ingress]) {
    const who =
      side.direction === 'egress' ? `egress of ${src}` : `ingress of ${dst}`;
    if (!side.evaluated) {
      lines.push(
        `  ${who}: not policed (outside the cluster or a reserved entity)`,
      );
      continue;
    }
    const state = side.isolated
      ? `default deny (${side.isolatedBy.map(formatPolicyRef).join(', ')})`
      : 'not isolated (default allow)';
    lines.push(`  ${who}: ${side.allowed ? 'allowed' : 'denied'}; ${state}`);
    if (side.defaultAllow === 'allow-localhost')
      lines.push(
        '    allowed by allow-localhost (the local host may always reach local pods)',
      );
    for (const r of side.allowedBy)
      lines.push(`    allowed by ${formatRuleRef(r)}`);
    for (const r of side.deniedBy)
      lines.push(`    denied by ${formatRuleRef(r)}`);
    for (const l of side.l7)
      lines.push(
        `    L7 ${JSON.stringify(l.rules)} from ${formatRuleRef(l.rule)}`,
      );
    if (!side.allowed && !side.deniedBy.length)
      lines.push('    no allow rule matches this peer and port');
  }
  io.stdout(`${lines.join('\n')}\n`);
  return v.allowed ? 0 : 1;
}

function cmdDiff(args: ParsedArgs, io: CliIo): number {
  const fmt = format<DiffFormat>(args, ['txt', 'csv', 'md', 'json'], 'txt');
  const a = new PolicyEngine(load(dirs(args, 'dir1'), io, { strict: false }), {
    clusterName: opt(args, 'cluster'),
  });
  const b = new PolicyEngine(load(dirs(args, 'dir2'), io, { strict: false }), {
    clusterName: opt(args, 'cluster'),
  });
  const entries = diffEngines(a, b);
  io.stdout(formatDiff(entries, fmt));
  return entries.length ? 1 : 0;
}

function cmdCoverage(args: ParsedArgs, io: CliIo): number {
  const fmt = format(args, ['txt', 'json'] as const, 'txt');
  const engine = new PolicyEngine(load(dirs(args), io, { strict: false }), {
    clusterName: opt(args, 'cluster'),
  });
  const cov = engine.coverage();
  const open = cov.filter(c => !c.ingress.isolated || !c.egress.isolated);
  if (fmt === 'json') {
    io.stdout(
      `${JSON.stringify(
        cov.map(c => ({
          workload: c.workload.id,
          ingress: {
            isolated: c.ingress.isolated,
            isolatedBy: c.ingress.isolatedBy.map(formatPolicyRef),
          },
          egress: {
            isolated: c.egress.isolated,
            isolatedBy: c.egress.isolatedBy.map(formatPolicyRef),
          },
        })),
        null,
        2,
      )}\n`,
    );
  } else {
    const lines: string[] = [];
    for (const c of open) {
      if (!c.ingress.isolated)
        lines.push(`${c.workload.id} is not protected on Ingress`);
      if (!c.egress.isolated)
        lines.push(`${c.workload.id} is not protected on Egress`);
    }
    lines.sort();
    lines.push(
      `${cov.length - open.length}/${
        cov.length
      } workloads isolated in both directions`,
    );
    io.stdout(`${lines.join('\n')}\n`);
  }
  return open.length ? 1 : 0;
}

function cmdLint(args: ParsedArgs, io: CliIo): number {
  const fmt = format(args, ['txt', 'json'] as const, 'txt');
  const engine = new PolicyEngine(
    load(
      dirs(args),
      { stdout: io.stdout, stderr: () => undefined },
      { strict: false },
    ),
    {
      clusterName: opt(args, 'cluster'),
    },
  );
  const findings = lint(engine).filter(f => f.severity !== 'info');
  if (fmt === 'json') io.stdout(`${JSON.stringify(findings, null, 2)}\n`);
  else {
    for (const f of findings) {
      io.stdout(
        `${f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : ''}${
          f.severity
        } ${f.code}: ${f.message}${f.policy ? ` [${f.policy}]` : ''}\n`,
      );
    }
    io.stdout(`${findings.length} finding(s)\n`);
  }
  return findings.length ? 1 : 0;
}

/**
 * Runs the CLI and returns the exit code.
 *
 * @public
 */
export function run(argv: string[], io: CliIo): number {
  try {
    const args = parseArgs(argv);
    if (args.flags.has('help') || !args.command) {
      (args.command || args.flags.has('help') ? io.stdout : io.stderr)(USAGE);
      return args.flags.has('help') ? 0 : 2;
    }
    switch (args.command) {
      case 'list':
        return cmdList(args, io);
      case 'eval':
        return cmdEval(args, io);
      case 'diff':
        return cmdDiff(args, io);
      case 'coverage':
        return cmdCoverage(args, io);
      case 'lint':
        return cmdLint(args, io);
      default:
        throw new UsageError(`unknown command "${args.command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      io.stderr(
        `error: ${e.message}\n\n${e instanceof UsageError ? USAGE : ''}`,
      );
      return 2;
    }
    io.stderr(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 2;
  }
}

/**
 * Entry point used by `bin/cilium-connect`.
 *
 * @public
 */
export function main(): void {
  const code = run(process.argv.slice(2), {
    stdout: s => process.stdout.write(s),
    stderr: s => process.stderr.write(s),
  });
  process.exitCode = code;
}
