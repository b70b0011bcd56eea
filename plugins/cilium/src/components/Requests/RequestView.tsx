import { useEffect, useState } from 'react';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink, EntityRefLinks } from '@backstage/plugin-catalog-react';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  Box,
  Grid,
  List,
  ListItem,
  ListItemText,
  Typography,
} from '@material-ui/core';
import Alert from '@material-ui/lab/Alert';
import {
  ConnectivityRequest,
  RequestEvent,
} from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef } from '../../api';
import { usePolled } from '../../hooks/usePolled';
import { usePublishingStatus } from '../../hooks/usePublishingStatus';
import { PublishingNotConfigured } from './PublishingNotConfigured';
import { RequestIdLink } from './RequestIdLink';
import { describePorts } from '../RequestDialog/requestForm';
import {
  DiffList,
  FindingsList,
  PolicyFiles,
  RefOrText,
  ReplaySummary,
  RequestStateChip,
  TargetText,
  requestClusters,
} from './parts';
import { RequestActions } from './RequestActions';

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** The append-only event log of a request, oldest first. */
export const RequestTimeline = (props: { events: RequestEvent[] }) => (
  <List dense aria-label="Timeline" component="ol">
    {props.events.map(e => (
      <ListItem key={e.id} component="li" disableGutters divider>
        <ListItemText
          primary={
            <>
              {e.fromState || e.toState ? (
                <strong>
                  {e.fromState ? `${e.fromState} → ` : ''}
                  {e.toState ?? ''}
                  {': '}
                </strong>
              ) : null}
              {e.message}
            </>
          }
          secondary={
            <>
              {when(e.at)} · <RefOrText value={e.actor} /> · {e.type}
            </>
          }
        />
      </ListItem>
    ))}
  </List>
);

/** Why a request has no publication yet. */
const NotPublished = () => {
  const publishing = usePublishingStatus();
  if (publishing?.configured === false) return <PublishingNotConfigured />;
  return (
    <Typography variant="body2">
      Not published yet (published after approval).
    </Typography>
  );
};

/** Summary, approvals, publication and decisions of one request. */
export const RequestDetails = (props: {
  request: ConnectivityRequest;
  onChange: (request: ConnectivityRequest) => void;
}) => {
  const r = props.request;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={6}>
        <InfoCard title="Request">
          <Typography variant="body1" component="div" gutterBottom>
            <RefOrText value={r.source} /> → <TargetText target={r.target} /> on{' '}
            <strong>{describePorts(r.ports)}</strong>
            {r.http?.length
              ? ` (HTTP ${r.http
                  .map(h => `${h.method ?? 'any'} ${h.path ?? '/*'}`)
                  .join(', ')})`
              : ''}
          </Typography>
          <Box display="flex" alignItems="center" gridGap={8} mb={1}>
            <RequestStateChip state={r.state} />
            {r.kind === 'removal' && (
              <Typography variant="body2">
                Removal of{' '}
                {r.removes ? (
                  <RequestIdLink id={r.removes} />
                ) : (
                  'an expired grant'
                )}
              </Typography>
            )}
          </Box>
          <Typography variant="body2">
            Requested by <RefOrText value={r.requester} /> on{' '}
            {when(r.createdAt)} ·{' '}
            {requestClusters(r).length > 1 ? 'clusters' : 'cluster'}{' '}
            {requestClusters(r).join(', ')}
            {r.expiresAt ? ` · expires ${when(r.expiresAt)}` : ''}
          </Typography>
          <Box mt={2}>
            <Typography variant="subtitle2">Justification</Typography>
            <Typography variant="body2" style={{ whiteSpace: 'pre-wrap' }}>
              {r.justification}
            </Typography>
          </Box>
          {r.rejectReason && (
            <Box mt={2}>
              <Alert severity="warning">Rejected: {r.rejectReason}</Alert>
            </Box>
          )}
          {r.kind === 'grant' && r.state === 'expiring' && (
            <Box mt={2}>
              <Alert severity="info" data-testid="grant-expiring">
                Past its expiry, and still in force until its removal is
                enforced
                {r.removals?.length ? (
                  <>
                    {': '}
                    {r.removals.map((m, i) => (
                      <span key={m.id}>
                        {i ? ', ' : ''}
                        <RequestIdLink id={m.id} /> is {m.state}
                      </span>
                    ))}
                  </>
                ) : (
                  ''
                )}
                .
              </Alert>
            </Box>
          )}
          {r.kind === 'grant' && r.state === 'expired' && r.removals?.length ? (
            <Box mt={2}>
              <Typography variant="body2">
                Removed by{' '}
                <RequestIdLink id={r.removals[r.removals.length - 1].id} />
              </Typography>
            </Box>
          ) : null}
          <Box mt={2}>
            <RequestActions request={r} onChange={props.onChange} />
          </Box>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Approvals and publication">
          <Typography variant="body2" component="div">
            {r.destinationOwners.length > 0 && (
              <div>
                Destination owners:{' '}
                <EntityRefLinks
                  entityRefs={r.destinationOwners}
                  defaultKind="group"
                />
                {r.consentNeeded
                  ? ' (their consent is needed)'
                  : ' (no further consent needed)'}
              </div>
            )}
          </Typography>
          {r.approvals.length === 0 ? (
            <Typography variant="body2">No approval yet.</Typography>
          ) : (
            <List dense aria-label="Approvals">
              {r.approvals.map((a, i) => (
                <ListItem key={i} disableGutters>
                  <ListItemText
                    primary={
                      <>
                        {a.role === 'reviewer'
                          ? 'Platform review'
                          : 'Destination owner consent'}{' '}
                        by <EntityRefLink entityRef={parseEntityRef(a.by)} />
                      </>
                    }
                    secondary={`${when(a.at)}${
                      a.comment ? ` · “${a.comment}”` : ''
                    }`}
                  />
                </ListItem>
              ))}
            </List>
          )}
          <Box mt={2}>
            <Typography variant="subtitle2">Publication</Typography>
            {r.publication ? (
              <Typography variant="body2" data-testid="publication">
                {r.publication.url && /^https?:/.test(r.publication.url) ? (
                  <>
                    <Link to={r.publication.url}>
                      {r.publication.number
                        ? `Pull request #${r.publication.number}`
                        : r.publication.url}
                    </Link>
                    {' · '}
                  </>
                ) : null}
                Branch <code>{r.publication.branch}</code> on{' '}
                {r.publication.publisher}
                {r.publication.state ? ` (${r.publication.state})` : ''}
                {r.publication.url && !/^https?:/.test(r.publication.url) ? (
                  <>
                    {' in '}
                    <code>{r.publication.url.replace(/#.*$/, '')}</code>
                  </>
                ) : null}
              </Typography>
            ) : (
              <NotPublished />
            )}
            {r.publishing
              ?.filter(p => p.status === 'failed')
              .map(p => (
                <Box mt={1} key={p.action}>
                  <Alert severity="error" data-testid="publishing-failed">
                    Publishing failed after {p.attempts}{' '}
                    {p.attempts === 1 ? 'attempt' : 'attempts'}
                    {p.lastError ? `: ${p.lastError}` : ''}. A reviewer may
                    retry it.
                  </Alert>
                </Box>
              ))}
          </Box>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Findings">
          <FindingsList findings={r.findings} />
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Connectivity diff and replay">
          <DiffList diff={r.diff} />
          <Box mt={2}>
            <ReplaySummary replay={r.replay} />
          </Box>
        </InfoCard>
      </Grid>
      {r.events && (
        <Grid item xs={12} md={6}>
          <InfoCard title="Timeline">
            <RequestTimeline events={r.events} />
          </InfoCard>
        </Grid>
      )}
      <Grid item xs={12} md={r.events ? 6 : 12}>
        <InfoCard title="Policies">
          <PolicyFiles policies={r.policies} />
        </InfoCard>
      </Grid>
    </Grid>
  );
};

/** One request, loaded by id and refreshed every 10 s (its state moves on its own after approval). */
export const RequestView = (props: { id: string }) => {
  const api = useApi(ciliumApiRef);
  const loaded = usePolled(
    () => api.getRequest(props.id),
    [api, props.id],
    10000,
  );
  const [updated, setUpdated] = useState<ConnectivityRequest>();
  const { retry } = loaded;
  useEffect(() => setUpdated(undefined), [loaded.value]);
  const request = updated ?? loaded.value;
  if (!request && loaded.loading) return <Progress />;
  if (!request && loaded.error)
    return <ResponseErrorPanel error={loaded.error} />;
  if (!request) return null;
  return (
    <>
      <Typography variant="h5" component="h2" gutterBottom>
        {request.id}
      </Typography>
      <RequestDetails
        request={request}
        onChange={r => {
          setUpdated(r);
          retry();
        }}
      />
    </>
  );
};
