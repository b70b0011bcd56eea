import type { Diagnostic } from '../model/inventory';
import type { Policy } from '../model/policy';
import { InventoryBuilder } from '../parse/inventory';
import { PolicyEngine } from './engine';
import { policyRefKey } from './state';

/**
 * One file of a policy source as read: its path and text.
 *
 * @public
 */
export interface PolicySourceFile {
  path: string;
  text: string;
}

/**
 * What {@link applyPolicyFileChanges} made of the changed files.
 *
 * @public
 */
export interface PolicyFileUpdate {
  engine: PolicyEngine;
  /** The parse diagnostics of each changed file that still exists (possibly none). */
  diagnostics: Map<string, Diagnostic[]>;
  /** Paths that changed, were added or were removed. */
  changed: string[];
}

function parseAlone(path: string, text: string) {
  return new InventoryBuilder().addText(text, path).build();
}

const refKey = (p: Policy) => policyRefKey(p.ref);

/**
 * Applies the changed files of a policy source to the engine built from its
 * previous contents, with `engine.withChanges` (the policies of the old text
 * out, those of the new text in) instead of parsing and evaluating every file
 * again. Undefined when the change needs a full rebuild to give the same
 * answer: a changed file that holds anything but policies (namespaces,
 * workloads, services or CIDR groups, which other policies resolve against),
 * or a policy name that another file also uses (the engine identifies a
 * policy by kind, namespace and name).
 *
 * `previous` holds the texts the engine was built from, by path; `files` the
 * source's files now. Unchanged files are compared, not parsed.
 *
 * @public
 */
export function applyPolicyFileChanges(
  engine: PolicyEngine,
  previous: ReadonlyMap<string, string>,
  files: readonly PolicySourceFile[],
): PolicyFileUpdate | undefined {
  const changed: string[] = [];
  const current = new Set<string>();
  for (const f of files) {
    current.add(f.path);
    if (previous.get(f.path) !== f.text) changed.push(f.path);
  }
  for (const path of previous.keys())
    if (!current.has(path)) changed.push(path);
  if (!changed.length) return { engine, diagnostics: new Map(), changed };

  const texts = new Map(files.map(f => [f.path, f.text]));
  const removed: Policy[] = [];
  const added: Policy[] = [];
  const diagnostics = new Map<string, Diagnostic[]>();
  for (const path of changed) {
    const before = previous.get(path);
    const after = texts.get(path);
    const old = before === undefined ? undefined : parseAlone(path, before);
    const now = after === undefined ? undefined : parseAlone(path, after);
    for (const inv of [old, now]) {
      if (
        inv &&
        (inv.workloads.length ||
          inv.namespaces.length ||
          inv.services.length ||
          inv.cidrGroups.length)
      )
        return undefined;
    }
    if (old) removed.push(...old.policies);
    if (now) {
      added.push(...now.policies);
      diagnostics.set(path, now.diagnostics);
    }
  }

  // Each name touched must be defined once, in the changed files only.
  const changedPaths = new Set(changed);
  const keys = new Set([...removed, ...added].map(refKey));
  const addedKeys = new Set<string>();
  for (const p of added) {
    const k = refKey(p);
    if (addedKeys.has(k)) return undefined;
    addedKeys.add(k);
  }
  for (const p of engine.inventory.policies) {
    if (
      keys.has(refKey(p)) &&
      !(p.ref.file !== undefined && changedPaths.has(p.ref.file))
    )
      return undefined;
  }
  return {
    engine: engine.withChanges({
      remove: removed.map(p => p.ref),
      add: added,
    }),
    diagnostics,
    changed,
  };
}
