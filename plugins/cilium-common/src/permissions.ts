import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import {
  createPermission,
  Permission,
} from '@backstage/plugin-permission-common';

/**
 * Read an entity's network data: live flows, aggregated traffic and policy
 * connectivity. A resource permission on the catalog entity.
 * @public
 */
export const ciliumFlowsReadPermission = createPermission({
  name: 'cilium.flows.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * File a connectivity change request whose source is the entity. A resource
 * permission on the catalog entity, so a policy can require ownership.
 * @public
 */
export const ciliumRequestCreatePermission = createPermission({
  name: 'cilium.request.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Approve or reject connectivity change requests (the platform team).
 * @public
 */
export const ciliumRequestReviewPermission = createPermission({
  name: 'cilium.request.review',
  attributes: { action: 'update' },
});

/**

 * Read the policy files of a cluster's policy source (the YAML behind an
 * edge). A basic permission: policy files are not owned by one entity.
 * @public
 */
export const ciliumPolicyReadPermission = createPermission({
  name: 'cilium.policy.read',
  attributes: { action: 'read' },
});

/**
 * Read the plugin's status: Hubble Relay connections per cluster and whether
 * publishing is configured (`GET /status`).
 * @public
 */
export const ciliumStatusReadPermission = createPermission({
  name: 'cilium.status.read',
  attributes: { action: 'read' },
});

/**
 * Every permission of the Cilium plugins.
 * @public
 */
export const ciliumPermissions: Permission[] = [
  ciliumFlowsReadPermission,
  ciliumRequestCreatePermission,
  ciliumRequestReviewPermission,
  ciliumPolicyReadPermission,
  ciliumStatusReadPermission,
];
