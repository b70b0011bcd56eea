import {
  ConnectivityRequestBody,
  ConnectivityTarget,
  REQUESTABLE_ENTITIES,
} from '@cilium-zero-trust/plugin-cilium-common';
import type { FlowRow } from '../LiveTraffic/flowSummary';

/** The kinds of destination a request can name. */
export type TargetType = ConnectivityTarget['type'];

/** One port row of the form (text, as typed). */
export interface PortRow {
  port: string;
  endPort: string;
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'ANY';
}

/** The request form, as typed. */
export interface RequestFormValues {
  targetType: TargetType;
  /** Entity ref of a catalog target, e.g. `component:default/payments`. */
  targetRef: string;
  fqdn: string;
  cidr: string;
  ciliumEntity: string;
  ports: PortRow[];
  httpMethod: string;
  httpPath: string;
  justification: string;
  /** `yyyy-mm-dd`, or empty for a permanent grant. */
  expiresOn: string;
  /**
   * The clusters the request is for (one policy set each); empty: the
   * source's default cluster.
   */
  clusters: string[];
}

/**
 * Cilium entities the form offers: exactly those the guardrails accept from a
 * requester (world, all and cluster are platform decisions).
 */
export const CILIUM_ENTITIES: readonly string[] = REQUESTABLE_ENTITIES;

export const HTTP_METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
];

/** Justification sent with previews while the user has not written one yet. */
export const PREVIEW_JUSTIFICATION = '(preview: no justification written yet)';

export const MIN_JUSTIFICATION = 10;

export function emptyForm(
  initial: Partial<RequestFormValues> = {},
): RequestFormValues {
  return {
    targetType: 'entity',
    targetRef: '',
    fqdn: '',
    cidr: '',
    ciliumEntity: 'kube-apiserver',
    ports: [{ port: '', endPort: '', protocol: 'TCP' }],
    httpMethod: '',
    httpPath: '',
    justification: '',
    expiresOn: '',
    clusters: [],
    ...initial,
  };
}

function target(values: RequestFormValues): ConnectivityTarget | string {
  switch (values.targetType) {
    case 'entity':
      return values.targetRef
        ? { type: 'entity', ref: values.targetRef }
        : 'Choose a target entity';
    case 'fqdn':
      return values.fqdn.trim()
        ? { type: 'fqdn', name: values.fqdn.trim() }
        : 'Enter a host name';
    case 'cidr':
      return values.cidr.trim()
        ? { type: 'cidr', cidr: values.cidr.trim() }
        : 'Enter a CIDR';
    default:
      return values.ciliumEntity
        ? { type: 'cilium-entity', entity: values.ciliumEntity }
        : 'Choose a Cilium entity';
  }
}

function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text.trim())) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Problems per field that keep the form from being previewed or submitted. */
export function portProblem(row: PortRow): string | undefined {
  if (!row.port.trim()) return 'Enter a port';
  const port = portNumber(row.port);
  if (port === undefined) return 'A port is a number from 1 to 65535';
  if (row.endPort.trim()) {
    const end = portNumber(row.endPort);
    if (end === undefined) return 'The end port is a number from 1 to 65535';
    if (end < port) return 'The end port must not be below the port';
  }
  return undefined;
}

/**
 * The request body for the form, or the first thing still missing. With
 * `forPreview`, a missing justification is replaced by a placeholder so the
 * preview shows the policies while the user writes it.
 */
export function toRequestBody(
  source: string,
  values: RequestFormValues,
  options: { forPreview?: boolean } = {},
):
  | { body: ConnectivityRequestBody; missing?: undefined }
  | { body?: undefined; missing: string } {
  const t = target(values);
  if (typeof t === 'string') return { missing: t };
  const ports: ConnectivityRequestBody['ports'] = [];
  for (const row of values.ports) {
    const problem = portProblem(row);
    if (problem) return { missing: problem };
    const port = portNumber(row.port)!;
    const end = row.endPort.trim() ? portNumber(row.endPort) : undefined;
    ports.push({
      port,
      ...(end !== undefined && end !== port ? { endPort: end } : {}),
      protocol: row.protocol,
    });
  }
  let justification = values.justification.trim();
  if (justification.length < MIN_JUSTIFICATION) {
    if (!options.forPreview)
      return {
        missing: `Say why the connection is needed (at least ${MIN_JUSTIFICATION} characters)`,
      };
    justification = PREVIEW_JUSTIFICATION;
  }
  const method = values.httpMethod.trim();
  const path = values.httpPath.trim();
  const body: ConnectivityRequestBody = {
    source,
    target: t,
    ports,
    justification,
    ...(method || path
      ? { http: [{ ...(method ? { method } : {}), ...(path ? { path } : {}) }] }
      : {}),
    ...(values.expiresOn
      ? { expiresAt: new Date(`${values.expiresOn}T23:59:59Z`).toISOString() }
      : {}),
    ...(values.clusters.length ? { clusters: [...values.clusters] } : {}),
  };
  return { body };
}

/** Prefills the form from a dropped flow of the live traffic table. */
export function formFromFlow(row: FlowRow): Partial<RequestFormValues> {
  const out: Partial<RequestFormValues> = {};
  if (row.destinationPort) {
    out.ports = [
      {
        port: String(row.destinationPort),
        endPort: '',
        protocol: (row.protocol as PortRow['protocol']) ?? 'TCP',
      },
    ];
  }
  if (row.destinationRef && /^(component|resource):/.test(row.destinationRef)) {
    out.targetType = 'entity';
    out.targetRef = row.destinationRef;
  } else if (row.destinationName) {
    out.targetType = 'fqdn';
    out.fqdn = row.destinationName;
  } else if (
    row.destinationReserved &&
    CILIUM_ENTITIES.includes(row.destinationReserved)
  ) {
    out.targetType = 'cilium-entity';
    out.ciliumEntity = row.destinationReserved;
  } else if (row.destinationIp) {
    out.targetType = 'cidr';
    out.cidr = row.destinationIp.includes(':')
      ? `${row.destinationIp}/128`
      : `${row.destinationIp}/32`;
  }
  return out;
}

/** A one-line description of a target. */
export function describeTarget(t: ConnectivityTarget): string {
  switch (t.type) {
    case 'entity':
      return t.ref;
    case 'fqdn':
      return t.name;
    case 'cidr':
      return t.cidr;
    default:
      return `entity:${t.entity}`;
  }
}

/** `TCP 8443`, `TCP 8000-8010, UDP 53`. */
export function describePorts(ports: ConnectivityRequestBody['ports']): string {
  return ports
    .map(p => `${p.protocol} ${p.port}${p.endPort ? `-${p.endPort}` : ''}`)
    .join(', ');
}
