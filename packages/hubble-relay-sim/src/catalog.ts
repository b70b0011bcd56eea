import fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Entity } from '@backstage/catalog-model';
import { listManifestFiles } from '@cilium-zero-trust/cilium-policy-engine';

/** `kind:namespace/name`, lower-case kind, namespace `default` when absent.
 * @public
 */
export function catalogEntityRef(e: Entity): string {
  return `${e.kind.toLowerCase()}:${e.metadata.namespace ?? 'default'}/${
    e.metadata.name
  }`;
}

/**
 * Reads every catalog entity under a directory of catalog YAML files (the
 * engine's manifest walk: recursive, sorted, dot-folders skipped). The one
 * loader of a file-based catalog: the stand-in and the tests of the sample
 * world use it. Documents that are not entities are skipped; a later entity
 * with the same ref replaces an earlier one.
 * @public
 */
export function loadCatalogEntities(dir: string): Entity[] {
  const byRef = new Map<string, Entity>();
  for (const file of listManifestFiles(dir)) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const e = doc.toJS() as Entity | null;
      if (!e?.kind || !e.metadata?.name) continue;
      byRef.set(catalogEntityRef(e), e);
    }
  }
  return [...byRef.values()];
}
