import { resolvePackagePath } from '@backstage/backend-plugin-api';
import path from 'node:path';
import * as protobuf from 'protobufjs';

/**
 * Folder holding our own wire-compatible Hubble .proto subset
 * (`flow/flow.proto`, `observer/observer.proto`, `relay/relay.proto`). Use it as
 * the include directory for `@grpc/proto-loader` or protoc.
 * @public
 */
export function hubbleProtoDir(): string {
  return resolvePackagePath('@cilium-zero-trust/plugin-cilium-node', 'proto');
}

let cachedRoot: protobuf.Root | undefined;

/**
 * The protobufjs reflection root for our Hubble subset (field names kept as in
 * the .proto files, e.g. `node_name`, `IP`, `Type`).
 * @public
 */
export function hubbleProtoRoot(): protobuf.Root {
  if (cachedRoot) {
    return cachedRoot;
  }
  const dir = hubbleProtoDir();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : path.join(dir, target);
  root.loadSync(['observer/observer.proto'], { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

/** @public */
export function hubbleType(name: string): protobuf.Type {
  return hubbleProtoRoot().lookupType(name);
}
