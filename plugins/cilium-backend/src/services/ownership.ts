import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';

/** The refs of an entity's owners (its `ownedBy` relations). */
export function ownersOf(entity: Entity): string[] {
  return (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
}
