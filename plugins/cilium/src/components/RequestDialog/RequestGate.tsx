import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import {
  EntityRefLinks,
  getEntityRelations,
  useEntityOwnership,
} from '@backstage/plugin-catalog-react';
import { Box, Button, Typography } from '@material-ui/core';
import AddIcon from '@material-ui/icons/Add';

/**
 * Whether the signed-in user may request connectivity for the entity: a hint
 * for the UI only (the backend checks ownership again on every request).
 */
export function useRequestGate(entity: Entity): {
  loading: boolean;
  allowed: boolean;
} {
  const { loading, isOwnedEntity } = useEntityOwnership();
  return { loading, allowed: !loading && isOwnedEntity(entity) };
}

/**
 * The "Request connectivity" button for the entity's owners; others see who
 * owns the entity and why they cannot request.
 */
export const RequestGate = (props: {
  entity: Entity;
  onRequest: () => void;
}) => {
  const { loading, allowed } = useRequestGate(props.entity);
  const owners = getEntityRelations(props.entity, RELATION_OWNED_BY);
  if (loading) return null;
  if (allowed) {
    return (
      <Button
        variant="contained"
        color="primary"
        startIcon={<AddIcon />}
        onClick={props.onRequest}
      >
        Request connectivity
      </Button>
    );
  }
  return (
    <Box display="flex" alignItems="center" gridGap={16} flexWrap="wrap">
      <Button
        variant="contained"
        color="primary"
        startIcon={<AddIcon />}
        disabled
        aria-describedby="cilium-request-why-not"
      >
        Request connectivity
      </Button>
      <Typography
        variant="body2"
        id="cilium-request-why-not"
        data-testid="request-why-not"
      >
        Only the owners of{' '}
        {props.entity.metadata.title ?? props.entity.metadata.name}
        {owners.length > 0 ? (
          <>
            {' ('}
            <EntityRefLinks entityRefs={owners} defaultKind="group" />)
          </>
        ) : (
          ' (nobody: the entity has no owner)'
        )}{' '}
        can request connectivity for it, because the policies they request run
        on its workloads. Ask one of them.
      </Typography>
    </Box>
  );
};
