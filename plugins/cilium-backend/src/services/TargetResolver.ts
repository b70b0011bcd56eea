import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  GenerateTarget,
  GenerateWorkloadEnd,
  selectorObjectOf,
} from '@cilium-zero-trust/cilium-policy-engine';
import {
  ANNOTATION_CILIUM_CIDR,
  ANNOTATION_CILIUM_FQDN,
  ConnectivityTarget,
  getWorkloadIdentity,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ownersOf } from './ownership';

/** A request's two ends resolved from the catalog into policy terms. */
export interface ResolvedPeers {
  /** The cluster both ends run in. */
  cluster: string;
  source: GenerateWorkloadEnd;
  target: GenerateTarget;
  /** The target as stored with the request (entity refs normalized). */
  requested: ConnectivityTarget;
  /** Owners of the target entity when it runs workloads (they may have to consent). */
  destinationOwners: string[];
  /** Whether the change adds ingress into workloads someone else may own. */
  ingressIntoService: boolean;
}

/** Parses and normalizes an entity ref; 400 naming the field otherwise. */
export function normalizeEntityRef(ref: string, field: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(ref));
  } catch (e) {
    throw new InputError(
      `${field} "${ref}" is not an entity ref; write it as kind:namespace/name, e.g. component:default/checkout`,
    );
  }
}

/**
 * Turns the catalog entities of a connectivity request into policy terms:
 * the source's workloads, and the target as workloads, an FQDN, a CIDR or a
 * Cilium entity. Entities are read with the caller's credentials (the
 * catalog's own permissions apply), next to `EntityResolver`, which does the
 * same for the Network tab's routes.
 */
export class TargetResolver {
  constructor(
    private readonly catalog: CatalogService,
    private readonly defaultCluster: () => string,
  ) {}

  /** The entity as the caller may see it; 404 naming the field otherwise. */
  async entity(
    ref: string,
    credentials: BackstageCredentials,
    field: string,
  ): Promise<Entity> {
    const entity = await this.catalog.getEntityByRef(ref, { credentials });
    if (!entity)
      throw new NotFoundError(
        `${field} ${ref} is not in the catalog, or you may not see it`,
      );
    return entity;
  }

  /**
   * The clusters the source runs in, its default first; 400 when it runs no
   * workloads.
   */
  sourceClusters(source: Entity): string[] {
    const src = getWorkloadIdentity(source, {
      defaultCluster: this.defaultCluster(),
    });
    if (!src.ok)
      throw new InputError(
        `source ${stringifyEntityRef(source)} has no workload identity: ${
          src.message
        }`,
      );
    return src.identity.clusters;
  }

  /**
   * Resolves both ends in `cluster` (default: the source's default cluster).
   * The source must run workloads there; an entity target runs workloads
   * there too, or carries a Cilium FQDN/CIDR annotation.
   */
  async resolve(
    source: Entity,
    sourceRef: string,
    target: ConnectivityTarget,
    credentials: BackstageCredentials,
    cluster?: string,
  ): Promise<ResolvedPeers> {
    const src = getWorkloadIdentity(source, {
      defaultCluster: this.defaultCluster(),
      cluster,
    });
    if (!src.ok)
      throw new InputError(
        src.reason === 'unknown-cluster'
          ? `clusters: the source ${sourceRef} does not run in cluster "${cluster}"; it runs in ${this.sourceClusters(
              source,
            ).join(', ')} (cilium.backstage.io/cluster)`
          : `source ${stringifyEntityRef(source)} has no workload identity: ${
              src.message
            }`,
      );
    const sourceEnd: GenerateWorkloadEnd = {
      type: 'workloads',
      entityRef: sourceRef,
      name: source.metadata.name,
      namespace: src.identity.namespace,
      selector: selectorObjectOf(src.identity.requirements),
    };
    return {
      cluster: src.identity.cluster,
      source: sourceEnd,
      ...(target.type === 'entity'
        ? await this.entityTarget(target.ref, src.identity.cluster, credentials)
        : {
            target: literalTarget(target),
            requested: target,
            destinationOwners: [],
            ingressIntoService: false,
          }),
    };
  }

  /** An entity target: its workloads (same cluster), else its FQDN or CIDR annotation. */
  private async entityTarget(
    ref: string,
    cluster: string,
    credentials: BackstageCredentials,
  ): Promise<Omit<ResolvedPeers, 'cluster' | 'source'>> {
    const targetRef = normalizeEntityRef(ref, 'target.ref');
    const dst = await this.entity(targetRef, credentials, 'target');
    const annotations = dst.metadata.annotations ?? {};
    const result = getWorkloadIdentity(dst, {
      defaultCluster: this.defaultCluster(),
      cluster,
    });
    const requested: ConnectivityTarget = { type: 'entity', ref: targetRef };
    const notConsented = {
      requested,
      destinationOwners: [],
      ingressIntoService: false,
    };
    if (!result.ok && result.reason === 'unknown-cluster') {
      // It runs workloads, elsewhere: no policy in this cluster can reach them.
      const elsewhere = getWorkloadIdentity(dst, {
        defaultCluster: this.defaultCluster(),
      });
      throw new InputError(
        `clusters: the target ${targetRef} does not run in cluster "${cluster}", which the request is for; it runs in ${
          elsewhere.ok
            ? elsewhere.identity.clusters.join(', ')
            : 'another cluster'
        } (cilium.backstage.io/cluster); cross-cluster requests are not supported`,
      );
    }
    if (result.ok) {
      return {
        requested,
        target: {
          type: 'workloads',
          entityRef: targetRef,
          name: dst.metadata.name,
          namespace: result.identity.namespace,
          selector: selectorObjectOf(result.identity.requirements),
        },
        destinationOwners: ownersOf(dst),
        ingressIntoService: true,
      };
    }
    if (annotations[ANNOTATION_CILIUM_FQDN]) {
      return {
        ...notConsented,
        target: {
          type: 'fqdn',
          name: annotations[ANNOTATION_CILIUM_FQDN].split(',')[0].trim(),
        },
      };
    }
    if (annotations[ANNOTATION_CILIUM_CIDR]) {
      return {
        ...notConsented,
        target: {
          type: 'cidr',
          cidr: annotations[ANNOTATION_CILIUM_CIDR].split(',')[0].trim(),
        },
      };
    }
    throw new InputError(
      `target ${targetRef} has no workloads and no ${ANNOTATION_CILIUM_FQDN} / ${ANNOTATION_CILIUM_CIDR} annotation: ${result.message}`,
    );
  }
}

/** A target given literally (FQDN, CIDR, Cilium entity). */
function literalTarget(
  target: Exclude<ConnectivityTarget, { type: 'entity' }>,
): GenerateTarget {
  switch (target.type) {
    case 'fqdn':
      return { type: 'fqdn', name: target.name };
    case 'cidr':
      return { type: 'cidr', cidr: target.cidr };
    default:
      return { type: 'cilium-entity', entity: target.entity };
  }
}
