import { LoggerService } from '@backstage/backend-plugin-api';
import {
  applyPolicyFileChanges,
  Diagnostic,
  InventoryBuilder,
  PolicyEngine,
} from '@cilium-zero-trust/cilium-policy-engine';
import { SourceDiagnostic } from '@cilium-zero-trust/plugin-cilium-common';
import { ManifestSource } from '@cilium-zero-trust/plugin-cilium-node';

/** A cluster's policies and workloads, evaluated. */
export interface ClusterSnapshot {
  engine: PolicyEngine;
  loadedAt: Date;
  diagnostics: SourceDiagnostic[];
  /**
   * The policy source's files that hold at least one parsed policy, by path
   * (relative to the source's root). Other files (broken YAML, unrelated
   * manifests) are reported in `diagnostics`, never served.
   */
  policyFiles: Map<string, string>;
  /**
   * Why the policy source could not be read at all (missing folder,
   * unreachable repository, branch not found); undefined when it was read.
   * The engine then holds no policies and must not be trusted for decisions.
   */
  policiesUnavailable?: string;
}

/** One reload of a cluster's sources, as reported to `onReload`. */
export interface ClusterReload {
  cluster: string;
  durationMs: number;
  /** False when reading or evaluating the sources threw (the previous snapshot stays). */
  ok: boolean;
  /**
   * `incremental` when only policy files changed and the engine was updated
   * with them alone; `full` when everything was parsed and evaluated again.
   */
  mode: 'incremental' | 'full';
}

/** Errors in a cluster's current snapshot: unreadable files and manifests that did not parse. */
export interface ClusterParseErrors {
  policies: number;
  workloads: number;
}

/** Marks workload-source files so they never pass for policy files. */
const WORKLOADS_PREFIX = '(workloads) ';

/**
 * The policy engine over one cluster's policy source and workload source,
 * rebuilt when either source changes (checked at most every
 * `minCheckIntervalMs`, on demand).
 */
export class ClusterModel {
  private snapshot?: ClusterSnapshot;
  private versions = '';
  private lastCheck = 0;
  private loading?: Promise<ClusterSnapshot>;
  private errors?: ClusterParseErrors;
  /** The policy source's files as last read, by path. */
  private policyTexts = new Map<string, string>();
  /** Parse diagnostics of the last load, by file (workload files prefixed). */
  private fileDiagnostics = new Map<string, Diagnostic[]>();
  private workloadsVersion?: string;

  constructor(
    private readonly options: {
      cluster: string;
      policies?: ManifestSource;
      workloads?: ManifestSource;
      logger: LoggerService;
      minCheckIntervalMs?: number;
      now?: () => number;
      /** Told about every reload (a source changed and was read again), for metrics. */
      onReload?: (reload: ClusterReload) => void;
    },
  ) {}

  /** Error counts of the snapshot loaded last; undefined before the first load. */
  parseErrors(): ClusterParseErrors | undefined {
    return this.errors;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** Whether the cluster has both a policy source and a workload source. */
  get complete(): boolean {
    return Boolean(this.options.policies && this.options.workloads);
  }

  /** Makes the next `current()` ask the sources for their versions again (after a merge). */
  recheck(): void {
    this.lastCheck = 0;
  }

  /** The current snapshot, reloaded first when a source changed. */
  async current(): Promise<ClusterSnapshot> {
    if (this.loading) return this.loading;
    const interval = this.options.minCheckIntervalMs ?? 5000;
    if (this.snapshot && this.now() - this.lastCheck < interval)
      return this.snapshot;
    this.loading = this.refresh().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async refresh(): Promise<ClusterSnapshot> {
    this.lastCheck = this.now();
    const { policies, workloads } = this.options;
    const workloadsVersion = workloads
      ? await workloads.version().catch(() => 'error')
      : '';
    const versions = [
      policies ? await policies.version().catch(() => 'error') : '',
      workloadsVersion,
    ].join('|');
    if (this.snapshot && versions === this.versions) return this.snapshot;
    const started = performance.now();
    const reload: ClusterReload = {
      cluster: this.options.cluster,
      durationMs: 0,
      ok: false,
      mode: 'full',
    };
    try {
      const snapshot = await this.reload(versions, workloadsVersion, reload);
      reload.ok = true;
      return snapshot;
    } finally {
      reload.durationMs = performance.now() - started;
      this.options.onReload?.(reload);
    }
  }

  /**
   * Reads both sources and evaluates them. When only policy files changed
   * since the last load, the engine is updated with the changed files alone
   * (see `applyPolicyFileChanges`); otherwise everything is parsed again.
   */
  private async reload(
    versions: string,
    workloadsVersion: string,
    report: ClusterReload,
  ): Promise<ClusterSnapshot> {
    const { policies, workloads } = this.options;
    const [policySnapshot, workloadSnapshot] = await Promise.all([
      policies?.read(),
      workloads?.read(),
    ]);
    const policySources = policySnapshot?.files ?? [];
    const update =
      this.snapshot &&
      !this.snapshot.policiesUnavailable &&
      policySnapshot?.version !== 'missing' &&
      workloadsVersion === this.workloadsVersion &&
      workloadsVersion !== 'error'
        ? applyPolicyFileChanges(
            this.snapshot.engine,
            this.policyTexts,
            policySources,
          )
        : undefined;
    let engine: PolicyEngine;
    if (update) {
      report.mode = 'incremental';
      engine = update.engine;
      for (const path of update.changed) {
        const found = update.diagnostics.get(path);
        if (found) this.fileDiagnostics.set(path, found);
        else this.fileDiagnostics.delete(path);
      }
    } else {
      const builder = new InventoryBuilder();
      for (const f of workloadSnapshot?.files ?? [])
        builder.addText(f.text, `${WORKLOADS_PREFIX}${f.path}`);
      for (const f of policySources) builder.addText(f.text, f.path);
      const inventory = builder.build();
      this.fileDiagnostics = new Map();
      for (const d of inventory.diagnostics) {
        const file = d.file ?? '';
        const list = this.fileDiagnostics.get(file);
        if (list) list.push(d);
        else this.fileDiagnostics.set(file, [d]);
      }
      engine = new PolicyEngine(inventory, {
        clusterName: this.options.cluster,
      });
    }
    this.policyTexts = new Map(policySources.map(f => [f.path, f.text]));
    this.workloadsVersion = workloadsVersion;

    const withPolicies = new Set(
      engine.inventory.policies.map(p => p.ref.file),
    );
    const policyFiles = new Map<string, string>();
    for (const f of policySources) {
      if (withPolicies.has(f.path)) policyFiles.set(f.path, f.text);
    }
    // Parse diagnostics in the order the sources list their files.
    const inventoryDiagnostics = [
      ...(workloadSnapshot?.files ?? []).map(
        f => `${WORKLOADS_PREFIX}${f.path}`,
      ),
      ...policySources.map(f => f.path),
      '',
    ].flatMap(file => this.fileDiagnostics.get(file) ?? []);
    const diagnostics: SourceDiagnostic[] = [
      ...[
        ...(policySnapshot?.problems ?? []),
        ...(workloadSnapshot?.problems ?? []),
      ].map(p => ({
        severity: 'error' as const,
        message: p.message,
        file: p.source,
      })),
      ...inventoryDiagnostics
        .filter(d => d.code !== 'ignored')
        .map(d => ({
          severity: d.severity,
          message: d.message,
          file: d.file,
          line: d.line,
          object: d.object,
        })),
    ];
    const policiesUnavailable =
      policySnapshot && policySnapshot.version === 'missing'
        ? policySnapshot.problems.map(p => p.message).join('; ') ||
          `${policies?.description} cannot be read`
        : undefined;
    this.snapshot = {
      engine,
      loadedAt: new Date(this.now()),
      diagnostics,
      policyFiles,
      policiesUnavailable,
    };
    this.versions = versions;
    const inventoryErrors = (workloadFiles: boolean) =>
      inventoryDiagnostics.filter(
        d =>
          d.severity === 'error' &&
          d.code !== 'ignored' &&
          (d.file?.startsWith(WORKLOADS_PREFIX) ?? false) === workloadFiles,
      ).length;
    this.errors = {
      policies: (policySnapshot?.problems.length ?? 0) + inventoryErrors(false),
      workloads:
        (workloadSnapshot?.problems.length ?? 0) + inventoryErrors(true),
    };
    this.options.logger.info(
      `Cluster ${this.options.cluster}: loaded ${
        engine.inventory.policies.length
      } policies and ${engine.workloads.length} workloads (${
        update ? `${update.changed.length} changed files applied` : 'all parsed'
      })${
        diagnostics.length
          ? ` (${diagnostics.length} problems: ${diagnostics
              .slice(0, 3)
              .map(d => `${d.file ?? ''} ${d.message}`)
              .join('; ')})`
          : ''
      }`,
    );
    return this.snapshot;
  }
}
