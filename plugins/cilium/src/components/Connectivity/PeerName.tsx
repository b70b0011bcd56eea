import { parseEntityRef } from '@backstage/catalog-model';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Chip, Typography } from '@material-ui/core';

const TYPE_LABEL: Record<string, string> = {
  workload: 'workload',
  external: 'IP range',
  fqdn: 'FQDN',
  'cilium-entity': 'Cilium entity',
  pod: 'pod',
  reserved: 'Cilium entity',
  ip: 'IP',
};

/** A peer: a link to its catalog entity, or its name with what kind of peer it is. */
export const PeerName = (props: {
  peer: { type: string; id: string; workload?: string };
}) => {
  const { peer } = props;
  if (peer.type === 'entity') {
    return (
      <>
        <EntityRefLink entityRef={parseEntityRef(peer.id)} />
        {peer.workload && (
          <Typography variant="caption" color="textSecondary" display="block">
            {peer.workload}
          </Typography>
        )}
      </>
    );
  }
  return (
    <>
      <Typography variant="body2" component="span">
        {peer.id}
      </Typography>{' '}
      <Chip size="small" label={TYPE_LABEL[peer.type] ?? peer.type} />
    </>
  );
};
