export interface Config {
  /** Configuration for the Cilium zero trust plugins. */
  cilium?: {
    /**
     * The clusters whose policies and traffic are shown. The first one is the
     * default for entities without a `cilium.backstage.io/cluster` annotation.
     */
    clusters: Array<{
      /**
       * The cluster's name, as used in `cilium.backstage.io/cluster`.
       * @visibility frontend
       */
      name: string;
      /** How to reach the cluster's Hubble Relay. */
      hubble?: {
        /** host:port of Hubble Relay; its default port is 4245. */
        address: string;
        tls?: {
          /** Use TLS (as `hubble observe --tls`). Default false. */
          enabled?: boolean;
          /** Path to the CA bundle that signed Relay's server certificate. */
          caFile?: string;
          /** Path to the client certificate for mutual TLS. */
          certFile?: string;
          /**
           * Path to the client key for mutual TLS.
           * @visibility secret
           */
          keyFile?: string;
          /** Server name to verify instead of the address's host (`--tls-server-name`). */
          serverName?: string;
        };
      };
      /** Where the policies the cluster runs come from. */
      policies?: {
        /** `directory`: YAML files in a folder (the GitOps repo checked out). */
        type: 'directory';
        /** The folder, relative to the backend's working folder. */
        path: string;
      };
      /** Where the cluster's workloads (pods and their owners) come from. */
      workloads?: {
        /** `manifests`: Kubernetes YAML manifests in a folder. */
        type: 'manifests';
        /** The folder, relative to the backend's working folder. */
        path: string;
      };
    }>;
    /** The live-flow service (Hubble Relay follow streams, per-entity buffers). */
    live?: {
      /** Flows kept per catalog entity (ring buffer). Default 1000. */
      flowsPerEntity?: number;
      /** Flows queued per browser stream before the oldest are dropped. Default 2000. */
      maxQueuedPerSubscriber?: number;
      /** How often browser streams get a batch, in ms. Default 250 (4 a second). */
      flushIntervalMs?: number;
      /** How often the catalog is re-read to map workloads to entities, in seconds. Default 60. */
      catalogRefreshSeconds?: number;
    };
    /** Connectivity change requests. */
    requests?: {
      /**
       * Entity refs of the groups whose members review requests (the platform
       * team), e.g. `group:default/platform-team`.
       */
      reviewers?: string[];
    };
  };
}
