import http2 from 'node:http2';
import type { FlowJson } from '@cilium-zero-trust/plugin-cilium-node';
import { compileFlowFilters } from './filters';
import { decodeGetFlowsRequest, encodeGetFlowsResponse } from './relayCodec';
import type { SimEvent } from './server';

/**
 * Bench mode's sender with the least CPU of its own: `observer.Observer/
 * GetFlows` (follow) over node's http2 module, writing the gRPC wire format
 * directly — each GetFlowsResponse length-prefixed (1 flag byte + 4-byte
 * big-endian length), a pool of such frames pre-concatenated once per stream
 * and written in large chunks — instead of one grpc-js `write` per message.
 * Clients see an ordinary gRPC server stream (status 200,
 * `application/grpc`, frames split across HTTP/2 DATA frames as any server
 * may). Only GetFlows with follow is served; other methods answer
 * UNIMPLEMENTED. Used by the ingest benchmarks so that the client, not the
 * sender, is what runs out of CPU.
 */
export class RawBenchServer {
  private server?: http2.Http2Server;
  private readonly streams = new Set<http2.ServerHttp2Stream>();

  constructor(
    private readonly events: SimEvent[],
    private readonly options: { chunkBytes?: number; nodes?: string[] } = {},
  ) {}

  /** Starts serving; returns the bound port (0 = a random one). */
  listen(address: string): Promise<number> {
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(colon + 1));
    const server = http2.createServer({
      settings: { initialWindowSize: 8 * 1024 * 1024 },
    });
    server.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.streams) s.close(http2.constants.NGHTTP2_CANCEL);
    return new Promise(resolve =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private fail(stream: http2.ServerHttp2Stream, code: number, message: string) {
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(code),
        'grpc-message': encodeURIComponent(message),
      },
      { endStream: true },
    );
  }

  private onStream(
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
  ): void {
    stream.on('error', () => undefined);
    if (headers[':path'] !== '/observer.Observer/GetFlows') {
      this.fail(
        stream,
        12,
        `${headers[':path']} is not served in raw bench mode`,
      );
      return;
    }
    const parts: Buffer[] = [];
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.once('end', () => {
      const body = Buffer.concat(parts);
      let match: (flow: FlowJson) => boolean;
      try {
        if (body.length < 5 || body.length < 5 + body.readUInt32BE(1)) {
          throw new Error('incomplete request message');
        }
        const req = decodeGetFlowsRequest(
          body.subarray(5, 5 + body.readUInt32BE(1)),
        );
        if (!req.follow)
          throw new Error('raw bench mode serves follow requests only');
        match = compileFlowFilters(req.whitelist, req.blacklist);
      } catch (e) {
        this.fail(
          stream,
          3,
          `invalid GetFlowsRequest: ${(e as Error).message}`,
        );
        return;
      }
      this.pump(stream, match);
    });
  }

  private pump(
    stream: http2.ServerHttp2Stream,
    match: (flow: FlowJson) => boolean,
  ): void {
    const frames: Buffer[] = [];
    for (const e of this.events) {
      if (e.json.flow && match(e.json.flow)) frames.push(frame(e.bytes));
    }
    stream.respond({
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-accept-encoding': 'identity',
    });
    this.streams.add(stream);
    const connected = frame(
      encodeGetFlowsResponse({
        node_status: {
          state_change: 'NODE_CONNECTED',
          node_names: this.options.nodes ?? ['sim-node-1'],
        },
        node_name: 'hubble-relay-sim',
      }),
    );
    stream.write(connected);
    if (!frames.length) return; // nothing matches: an idle follow stream
    const blob = Buffer.concat(frames);
    const chunk = this.options.chunkBytes ?? 256 * 1024;
    let offset = 0;
    let stopped = false;
    stream.once('close', () => {
      stopped = true;
      this.streams.delete(stream);
    });
    const write = () => {
      while (!stopped) {
        const end = Math.min(blob.length, offset + chunk);
        const piece = blob.subarray(offset, end);
        offset = end === blob.length ? 0 : end;
        if (!stream.write(piece)) {
          stream.once('drain', write);
          return;
        }
      }
    };
    write();
  }
}

/** One gRPC length-prefixed message (uncompressed). */
function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}
