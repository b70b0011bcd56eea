import * as grpc from '@grpc/grpc-js';
import fs from 'node:fs';

/**
 * TLS settings, modelled on the hubble CLI flags `--tls`,
 * `--tls-ca-cert-files`, `--tls-client-cert-file`, `--tls-client-key-file` and
 * `--tls-server-name`.
 * @public
 */
export interface HubbleTlsOptions {
  /** Turn TLS on (also implied by a `tls://` address or any field below). */
  enabled?: boolean;
  /** PEM CA bundle (content). Default: the system roots. */
  ca?: string | Buffer;
  /** PEM CA bundle file(s). */
  caFile?: string | string[];
  /** PEM client certificate (content) for mTLS. */
  cert?: string | Buffer;
  certFile?: string;
  /** PEM client key (content) for mTLS. */
  key?: string | Buffer;
  keyFile?: string;
  /**
   * Name to verify in the server certificate when it differs from the address,
   * e.g. `ui.hubble-relay.cilium.io` (Relay's certificates use
   * `*.hubble-relay.cilium.io`).
   */
  serverName?: string;
}

/** Parsed `--server`-style address. @public */
export interface HubbleAddress {
  /** The grpc-js target (`host:port` or `unix:///path`). */
  target: string;
  /** True when the address used the `tls://` scheme. */
  tls: boolean;
}

/**
 * Parses a Relay address like the hubble CLI: `host:port`, `tls://host:port`,
 * `unix:///path`; a missing port defaults to 4245.
 * @public
 */
export function parseHubbleAddress(address: string): HubbleAddress {
  let rest = address.trim();
  let tls = false;
  if (rest.startsWith('tls://')) {
    tls = true;
    rest = rest.slice('tls://'.length);
  } else if (rest.startsWith('dns:///')) {
    rest = rest.slice('dns:///'.length);
  }
  if (rest.startsWith('unix:')) {
    return { target: rest, tls };
  }
  const hasPort = rest.startsWith('[')
    ? /\]:\d+$/.test(rest)
    : /:\d+$/.test(rest);
  return { target: hasPort ? rest : `${rest}:4245`, tls };
}

function readPem(
  content: string | Buffer | undefined,
  files: string | string[] | undefined,
): Buffer | undefined {
  const parts: Buffer[] = [];
  if (content) parts.push(Buffer.from(content));
  for (const file of files === undefined
    ? []
    : ([] as string[]).concat(files)) {
    parts.push(fs.readFileSync(file));
  }
  return parts.length ? Buffer.concat(parts) : undefined;
}

/**
 * Builds grpc-js channel credentials and the channel options that go with them.
 * @public
 */
export function createHubbleCredentials(
  address: HubbleAddress,
  tls: HubbleTlsOptions | undefined,
): {
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
} {
  const wantsTls =
    address.tls ||
    tls?.enabled === true ||
    (tls?.enabled !== false &&
      Boolean(
        tls?.ca || tls?.caFile || tls?.cert || tls?.certFile || tls?.serverName,
      ));
  if (!wantsTls) {
    return {
      credentials: grpc.credentials.createInsecure(),
      channelOptions: {},
    };
  }
  const ca = readPem(tls?.ca, tls?.caFile);
  const cert = readPem(tls?.cert, tls?.certFile);
  const key = readPem(tls?.key, tls?.keyFile);
  if (Boolean(cert) !== Boolean(key)) {
    throw new Error(
      'Hubble TLS: a client certificate needs its key and vice versa',
    );
  }
  const credentials = grpc.credentials.createSsl(
    ca ?? null,
    key ?? null,
    cert ?? null,
  );
  const channelOptions: grpc.ChannelOptions = {};
  if (tls?.serverName) {
    channelOptions['grpc.ssl_target_name_override'] = tls.serverName;
    channelOptions['grpc.default_authority'] = tls.serverName;
  }
  return { credentials, channelOptions };
}
