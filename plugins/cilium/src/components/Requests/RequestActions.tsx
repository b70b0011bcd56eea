import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@material-ui/core';
import Alert from '@material-ui/lab/Alert';
import { ConnectivityRequest } from '@cilium-zero-trust/plugin-cilium-common';
import { ciliumApiRef, errorMessage } from '../../api';

type Action = 'approve' | 'reject' | 'withdraw' | 'merge' | 'retry' | 'refile';

const TEXT: Record<
  Action,
  {
    title: string;
    label: string;
    field?: string;
    required?: boolean;
    help: string;
  }
> = {
  approve: {
    title: 'Approve',
    label: 'Approve',
    field: 'Comment (optional)',
    help: 'Your approval (as a platform reviewer, or as an owner of the destination consenting) is recorded with your name.',
  },
  reject: {
    title: 'Reject',
    label: 'Reject',
    field: 'Reason',
    required: true,
    help: 'The requester sees the reason. Say what would make the request acceptable.',
  },
  withdraw: {
    title: 'Withdraw',
    label: 'Withdraw',
    field: 'Comment (optional)',
    help: 'Withdraws your request; nothing is published.',
  },
  merge: {
    title: 'Merge',
    label: 'Merge',
    help: 'Merges the branch into the GitOps repository; the policy source then contains the policies.',
  },
  retry: {
    title: 'Retry publishing',
    label: 'Retry publishing',
    help: 'Publishing this approved request failed. Publishing again opens (or updates) its one change in the GitOps repository.',
  },
  refile: {
    title: 'File the removal again',
    label: 'File the removal again',
    help: 'This grant is past its expiry but still in force: its removal was closed without merging. Filing it again opens a new removal change, tracked until the policy source no longer contains the grant (platform reviewers).',
  },
};

/**
 * The buttons a user may press on a request (approve, reject, withdraw,
 * merge). Shown by state and identity as a hint; the backend decides.
 */
export const RequestActions = (props: {
  request: ConnectivityRequest;
  onChange: (request: ConnectivityRequest) => void;
}) => {
  const { request } = props;
  const api = useApi(ciliumApiRef);
  const identityApi = useApi(identityApiRef);
  const identity = useAsync(
    () => identityApi.getBackstageIdentity(),
    [identityApi],
  );
  const [open, setOpen] = useState<Action>();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

  const me = identity.value?.userEntityRef;
  const mine = me !== undefined && request.requester === me;
  const actions: Action[] = [];
  if (request.state === 'submitted' && !mine) actions.push('approve', 'reject');
  if ((request.state === 'submitted' || request.state === 'approved') && mine)
    actions.push('withdraw');
  if (
    request.state === 'published' &&
    !mine &&
    request.publication?.publisher === 'local-git'
  )
    actions.push('merge');
  // Only reviewers receive `publishing`; a failed publication may be retried.
  if (
    request.state === 'approved' &&
    request.publishing?.some(p => p.status === 'failed')
  )
    actions.push('retry');
  const lastRemoval = request.removals?.[request.removals.length - 1];
  if (
    request.state === 'expiring' &&
    (!lastRemoval ||
      lastRemoval.state === 'rejected' ||
      lastRemoval.state === 'withdrawn')
  )
    actions.push('refile');

  const run = async (action: Action) => {
    setBusy(true);
    setError(undefined);
    try {
      let updated: ConnectivityRequest;
      if (action === 'approve')
        updated = await api.approveRequest(
          request.id,
          text.trim() || undefined,
        );
      else if (action === 'reject')
        updated = await api.rejectRequest(request.id, text.trim());
      else if (action === 'withdraw')
        updated = await api.withdrawRequest(
          request.id,
          text.trim() || undefined,
        );
      else if (action === 'retry')
        updated = await api.retryPublishRequest(request.id);
      else if (action === 'refile')
        updated = await api.fileRemovalAgain(request.id);
      else updated = await api.mergeRequest(request.id);
      setOpen(undefined);
      setText('');
      props.onChange(updated);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  if (identity.loading || actions.length === 0) {
    return error ? <Alert severity="error">{errorMessage(error)}</Alert> : null;
  }
  const t = open ? TEXT[open] : undefined;
  return (
    <Box>
      <Box display="flex" gridGap={8} flexWrap="wrap">
        {actions.map(a => (
          <Button
            key={a}
            variant={
              a === 'approve' || a === 'merge' ? 'contained' : 'outlined'
            }
            color={a === 'reject' ? 'secondary' : 'primary'}
            onClick={() => {
              setError(undefined);
              setText('');
              setOpen(a);
            }}
            aria-label={`${TEXT[a].label} ${request.id}`}
          >
            {TEXT[a].label}
          </Button>
        ))}
      </Box>
      {error && !open && (
        <Box mt={1}>
          <Alert severity="error">{errorMessage(error)}</Alert>
        </Box>
      )}
      {open && t && (
        <Dialog
          open
          onClose={() => setOpen(undefined)}
          aria-labelledby="cilium-action-title"
          fullWidth
          maxWidth="sm"
        >
          <DialogTitle id="cilium-action-title">
            {t.title} {request.id}
          </DialogTitle>
          <DialogContent>
            <DialogContentText>{t.help}</DialogContentText>
            {t.field && (
              <TextField
                id="cilium-action-text"
                label={t.field}
                multiline
                minRows={2}
                fullWidth
                variant="outlined"
                required={t.required}
                value={text}
                onChange={e => setText(e.target.value)}
              />
            )}
            {error && (
              <Box mt={2}>
                <Alert severity="error">{errorMessage(error)}</Alert>
              </Box>
            )}
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setOpen(undefined)}>Cancel</Button>
            <Button
              color={open === 'reject' ? 'secondary' : 'primary'}
              variant="contained"
              disabled={busy || (t.required && text.trim().length < 3)}
              onClick={() => run(open)}
            >
              {busy ? 'Working…' : t.label}
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </Box>
  );
};
