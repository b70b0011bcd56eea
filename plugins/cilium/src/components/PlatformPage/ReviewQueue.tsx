import { useState } from 'react';
import { Link, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  Accordion,
  AccordionDetails,
  AccordionSummary,
  Box,
  Typography,
} from '@material-ui/core';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef } from '../../api';
import { usePolled } from '../../hooks/usePolled';
import { useRequestLink } from '../../hooks/useRequestLink';
import { describePorts, describeTarget } from '../RequestDialog/requestForm';
import { RequestDetails } from '../Requests';
import { requestClusters } from '../Requests/parts';

/** Requests the signed-in user may decide on (as reviewer or destination owner), each with its diff, YAML and replay. */
export const ReviewQueue = () => {
  const api = useApi(ciliumApiRef);
  const requestLink = useRequestLink();
  const [reload, setReload] = useState(0);
  const queue = usePolled(
    () => api.listRequests({ toReview: true }),
    [api, reload],
    15000,
  );
  const [decided, setDecided] = useState<Record<string, ConnectivityRequest>>(
    {},
  );

  if (queue.error && !queue.value)
    return <ResponseErrorPanel error={queue.error} />;
  const items = queue.value?.items ?? [];
  const shown = [
    ...items,
    ...Object.values(decided).filter(d => !items.some(i => i.id === d.id)),
  ];
  return (
    <Box>
      <Typography variant="body1" paragraph>
        {queue.loading && !queue.value
          ? 'Loading the requests you may decide on…'
          : `${items.length} request${
              items.length === 1 ? '' : 's'
            } wait for your decision (as a platform reviewer or as an owner of the destination).`}
      </Typography>
      {shown.map((listed, i) => {
        const r = decided[listed.id] ?? listed;
        return (
          <Accordion
            key={r.id}
            defaultExpanded={i < 3}
            TransitionProps={{ unmountOnExit: true }}
          >
            <AccordionSummary
              expandIcon={<ExpandMoreIcon />}
              aria-controls={`review-${r.id}`}
              id={`review-${r.id}-header`}
            >
              <Typography component="h3" variant="subtitle1">
                <strong>{r.id}</strong>: {r.source} → {describeTarget(r.target)}{' '}
                on {describePorts(r.ports)} in {requestClusters(r).join(', ')},
                by {r.requester.replace(/^user:default\//, '')}
                {decided[r.id] ? ` (now ${r.state})` : ''}
              </Typography>
            </AccordionSummary>
            <AccordionDetails
              id={`review-${r.id}`}
              style={{ display: 'block' }}
            >
              {requestLink(r.id) && (
                <Typography variant="body2" paragraph>
                  <Link to={requestLink(r.id)!}>Open the request page</Link>
                </Typography>
              )}
              <RequestDetails
                request={r}
                onChange={updated => {
                  setDecided(d => ({ ...d, [updated.id]: updated }));
                  setReload(n => n + 1);
                }}
              />
            </AccordionDetails>
          </Accordion>
        );
      })}
    </Box>
  );
};
