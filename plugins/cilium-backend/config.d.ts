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
          /**
           * Use TLS (as `hubble observe --tls`). Default: true when any of
           * caFile, certFile, keyFile or serverName is set, else false;
           * `false` together with any of them is refused at startup.
           */
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
      /**
       * Where the policies the cluster runs come from (CiliumNetworkPolicy,
       * CiliumClusterwideNetworkPolicy, NetworkPolicy): a folder, a git
       * repository or the Kubernetes API. Reloaded when the source changes.
       */
      policies?:
        | {
            /** `directory` (the default): YAML/JSON files in a folder, e.g. the GitOps repo checked out. */
            type?: 'directory';
            /** The folder, relative to the backend's working folder. */
            path: string;
            /**
             * Link template for a policy file, with `{path}` (relative to the folder),
             * e.g. `https://github.com/acme/gitops/blob/main/policies/{path}`.
             */
            url?: string;
            /** How often the folder is checked for changes, in seconds. Default 5. */
            refreshSeconds?: number;
          }
        | {
            /** `git`: a branch of a git repository, read without a work tree. */
            type: 'git';
            /**
             * The repository: an HTTP(S) clone URL, or a local repository (a path or a
             * `file:` URL, bare or not). Credentials come from `token`, else from the
             * `integrations` entry whose host matches.
             */
            url: string;
            /** The branch. Default `main`. */
            branch?: string;
            /** A folder inside the repository, e.g. `policies`. Default: the root. */
            path?: string;
            /**
             * A token, sent as HTTP basic auth `x-access-token:<token>`.
             * @visibility secret
             */
            token?: string;
            /** Fetch a remote repository at most this often, in seconds. Default 60. */
            refreshSeconds?: number;
            /**
             * Link template for a policy file, with `{path}` (relative to `path`), e.g.
             * `https://github.com/acme/gitops/blob/main/policies/{path}`. Default: derived
             * for https URLs of a configured GitHub or GitLab integration.
             */
            fileUrl?: string;
          }
        | {
            /**
             * `kubernetes`: lists ciliumnetworkpolicies, ciliumclusterwidenetworkpolicies
             * (cilium.io/v2) and networkpolicies (networking.k8s.io/v1) from the API server.
             * Connection: `url` (+ `token`, `caData`, `skipTLSVerify`), else `kubeconfig`,
             * else the in-cluster service account, else the default kubeconfig.
             */
            type: 'kubernetes';
            /** The API server URL, e.g. `https://10.0.0.1:6443`. */
            url?: string;
            /**
             * A bearer token (e.g. of a service account allowed to list these kinds).
             * @visibility secret
             */
            token?: string;
            /**
             * The API server's CA bundle: base64 of the PEM (as in a kubeconfig), or the PEM.
             * @visibility secret
             */
            caData?: string;
            /** Skip verifying the API server's certificate (development only; required for http:// URLs). */
            skipTLSVerify?: boolean;
            /** Path to a kubeconfig file to connect with instead of `url`. */
            kubeconfig?: string;
            /** The kubeconfig context. Default: the file's current context. */
            context?: string;
            /** List the cluster at most this often, in seconds. Default 30. */
            refreshSeconds?: number;
          };
      /**
       * Where the cluster's workloads (namespaces, pods and their owners,
       * services) come from: a folder, a git repository or the Kubernetes API.
       */
      workloads?:
        | {
            /** `directory` (the default) or `manifests` (the same): Kubernetes YAML/JSON manifests in a folder. */
            type?: 'directory' | 'manifests';
            /** The folder, relative to the backend's working folder. */
            path: string;
            /** How often the folder is checked for changes, in seconds. Default 5. */
            refreshSeconds?: number;
          }
        | {
            /** `git`: a branch of a git repository (see `policies`). */
            type: 'git';
            /** The repository: an HTTP(S) clone URL, or a local path / `file:` URL. */
            url: string;
            /** The branch. Default `main`. */
            branch?: string;
            /** A folder inside the repository. Default: the root. */
            path?: string;
            /**
             * A token, sent as HTTP basic auth `x-access-token:<token>`.
             * @visibility secret
             */
            token?: string;
            /** Fetch at most this often, in seconds. Default 60. */
            refreshSeconds?: number;
          }
        | {
            /**
             * `kubernetes`: lists namespaces, pods, services (v1), deployments,
             * statefulsets, daemonsets, replicasets (apps/v1), jobs and cronjobs (batch/v1).
             */
            type: 'kubernetes';
            /** The API server URL. */
            url?: string;
            /**
             * A bearer token.
             * @visibility secret
             */
            token?: string;
            /**
             * The API server's CA bundle (base64 of the PEM, or the PEM).
             * @visibility secret
             */
            caData?: string;
            /** Skip verifying the API server's certificate (development only). */
            skipTLSVerify?: boolean;
            /** Path to a kubeconfig file. */
            kubeconfig?: string;
            /** The kubeconfig context. */
            context?: string;
            /** List the cluster at most this often, in seconds. Default 30. */
            refreshSeconds?: number;
          };
      /** Connectivity requests for this cluster. */
      requests?: {
        /**
         * The cluster's folder in the GitOps repository the requests are
         * published to: a request's files for this cluster are written to
         * `<path>/<namespace>/<name>.yaml`. Default: the `path` of the
         * cluster's `git` policy source, else `policies`. A relative path of
         * letters, digits, `.`, `_`, `-` and `/`, without `..`.
         */
        path?: string;
      };
    }>;
    /** The live-flow service (Hubble Relay follow streams, per-entity buffers). */
    live?: {
      /** Flows kept per catalog entity (ring buffer). Default 1000. */
      flowsPerEntity?: number;
      /**
       * Bytes of encoded flows kept per catalog entity (the ring's arena,
       * resident as it fills). Default flowsPerEntity × 2048.
       */
      bytesPerEntity?: number;
      /** Rows of the aggregated traffic table kept per catalog entity. Default 2000. */
      edgesPerEntity?: number;
      /** Flows queued per browser stream before the oldest are dropped. Default 2000. */
      maxQueuedPerSubscriber?: number;
      /** How often browser streams get a batch, in ms. Default 250 (4 a second). */
      flushIntervalMs?: number;
      /** How often the catalog is re-read to map workloads to entities, in seconds. Default 10. */
      catalogRefreshSeconds?: number;
      /**
       * Forwarded and dropped flows per minute over the last hour, per entity
       * and per peer of the entity (the Network tab's chart). Memory is
       * bounded by maxEntities × (peersPerEntity + 1) one-hour series of
       * about 0.62 KB each (19.2 MB measured with the defaults; see
       * bench/README.md, traffic-history).
       */
      history?: {
        /**
         * Entities with counters; when more see traffic, the one whose last
         * flow is oldest is forgotten. Default 1000.
         */
        maxEntities?: number;
        /**
         * Peers with counters per entity (catalog entities, namespaces, DNS
         * names, reserved identities). A further peer takes the place of one
         * without flows for a whole minute (whose flows stay in the entity's
         * totals); while all are busy, its flows count in the totals only.
         * Also the most peers a caller may ask to list per minute. Default 30.
         */
        peersPerEntity?: number;
      };
      /** Limits on the browsers' live flow streams (server-sent events). */
      streams?: {
        /** Streams open at once over every caller; more are answered 429. Default 200. */
        maxTotal?: number;
        /** Streams open at once per user (or service); more are answered 429. Default 5. */
        maxPerUser?: number;
        /**
         * Longest a stream stays open, in seconds. A stream also ends when the
         * caller's token expires; the browser reconnects with a fresh one.
         * Default 3600.
         */
        maxDurationSeconds?: number;
        /** Whether service tokens may open streams. Default false. */
        allowServiceTokens?: boolean;
      };
    };
    /** Connectivity change requests. */
    requests?: {
      /**
       * Entity refs of the groups whose members review requests (the platform
       * team), e.g. `group:default/platform-team`.
       */
      reviewers?: string[];
      /**
       * Where the app mounts the Cilium page (`CiliumPage`), e.g. `/cilium`
       * (the default) or `/platform/network`. Pull request bodies link to
       * `app.baseUrl` + this path + `/requests/<id>`.
       */
      portalPath?: string;
      /**
       * Where approved requests are published. Without it (and without a
       * publisher added through `ciliumPublishersExtensionPoint`), requests
       * are previewed, filed and reviewed and approvals recorded, but nothing
       * is published; `GET /status` and the UI say so.
       */
      publisher?: {
        /**
         * `local-git`: a bare git repository on the backend's disk (a branch per
         * request; reviewers merge in the portal). Other values name a
         * publisher a backend module adds through
         * `ciliumPublishersExtensionPoint`, e.g. `github` from
         * `@cilium-zero-trust/plugin-cilium-backend-module-github` (whose
         * config schema adds its own fields here).
         */
        type: 'local-git' | string;
        /** local-git (required): the repository folder, relative to the backend's working folder, e.g. `./data/gitops.git`. */
        path?: string;
        /** local-git: a folder whose files seed a new repository (e.g. a checkout of your GitOps repository). */
        seedFrom?: string;
        /** The branch changes target. Default: `main` (local-git); other publishers document theirs. */
        baseBranch?: string;
      };
      /** How often the outbox is delivered and published requests are followed, in seconds. Default 15. */
      pollSeconds?: number;
      /** How long a publish may take before another attempt may claim it, in seconds. Default 120. */
      publishLockSeconds?: number;
      /** How often expired temporary grants are looked for, in minutes. Default 5. */
      expiryCheckMinutes?: number;
    };
  };
}
