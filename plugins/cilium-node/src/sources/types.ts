/**
 * A problem found while reading a source; reading goes on.
 * @public
 */
export interface SourceProblem {
  /** The file (relative to the source root) or object the problem is in. */
  source: string;
  message: string;
}

/**
 * One manifest file of a source.
 * @public
 */
export interface ManifestFile {
  /** Path relative to the source's root, with `/` separators. */
  path: string;
  text: string;
}

/**
 * What a source held when it was read.
 * @public
 */
export interface ManifestSnapshot {
  files: ManifestFile[];
  /** Changes whenever the content may have changed. */
  version: string;
  problems: SourceProblem[];
}

/**
 * Kubernetes manifests (policies, workloads, namespaces) from somewhere: a
 * folder, a git repository, the Kubernetes API.
 * @public
 */
export interface ManifestSource {
  /** For logs and errors, e.g. `directory ./gitops/policies`. */
  readonly description: string;
  /** A cheap token that changes when the content changes (for reload-on-change). */
  version(): Promise<string>;
  read(): Promise<ManifestSnapshot>;
}
