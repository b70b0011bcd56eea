import { useState } from 'react';
import { Table, TableColumn } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { Box, Button, Paper, TextField, Typography } from '@material-ui/core';
import GetAppIcon from '@material-ui/icons/GetApp';
import Alert from '@material-ui/lab/Alert';
import { RequestEvent } from '@cilium-zero-trust/plugin-cilium-common';
import { AuditQuery, ciliumApiRef, errorMessage } from '../../api';
import { RequestIdLink } from '../Requests/RequestIdLink';

function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function download(text: string, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

/** The request event log (reviewers): filters by time and entity, a table, and CSV / JSON-lines export. */
export const AuditLog = () => {
  const api = useApi(ciliumApiRef);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [entity, setEntity] = useState('');
  const [events, setEvents] = useState<RequestEvent[]>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<Error>();

  const query = (format: AuditQuery['format']): AuditQuery => ({
    format,
    from: toIso(from),
    to: toIso(to),
    entity: entity.trim() || undefined,
  });

  const show = async () => {
    setLoading(true);
    setError(undefined);
    try {
      const text = await api.exportAudit(query('jsonl'));
      setEvents(
        text
          .split('\n')
          .filter(l => l.trim())
          .map(l => JSON.parse(l) as RequestEvent)
          .reverse(),
      );
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoading(false);
    }
  };

  const exportAs = async (format: AuditQuery['format']) => {
    setError(undefined);
    try {
      const text = await api.exportAudit(query(format));
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      download(
        text,
        `cilium-requests-audit-${stamp}.${format}`,
        format === 'csv' ? 'text/csv' : 'application/x-ndjson',
      );
    } catch (e) {
      setError(e as Error);
    }
  };

  const columns: TableColumn<RequestEvent>[] = [
    {
      title: 'Time',
      field: 'at',
      render: e => new Date(e.at).toLocaleString(),
    },
    {
      title: 'Request',
      field: 'requestId',
      render: e => <RequestIdLink id={e.requestId} />,
    },
    { title: 'Actor', field: 'actor' },
    { title: 'Event', field: 'type' },
    {
      title: 'Transition',
      render: e =>
        e.fromState || e.toState
          ? `${e.fromState ?? ''} → ${e.toState ?? ''}`
          : '',
    },
    { title: 'Message', field: 'message' },
  ];

  return (
    <Box>
      <Paper>
        <Box
          p={2}
          display="flex"
          gridGap={16}
          flexWrap="wrap"
          alignItems="center"
          component="form"
          onSubmit={(e: { preventDefault: () => void }) => {
            e.preventDefault();
            show();
          }}
          aria-label="Audit log filters"
        >
          <TextField
            id="cilium-audit-from"
            label="From"
            type="datetime-local"
            size="small"
            variant="outlined"
            InputLabelProps={{ shrink: true }}
            value={from}
            onChange={e => setFrom(e.target.value)}
          />
          <TextField
            id="cilium-audit-to"
            label="To"
            type="datetime-local"
            size="small"
            variant="outlined"
            InputLabelProps={{ shrink: true }}
            value={to}
            onChange={e => setTo(e.target.value)}
          />
          <TextField
            id="cilium-audit-entity"
            label="Entity (source or target)"
            placeholder="component:default/payments"
            size="small"
            variant="outlined"
            value={entity}
            onChange={e => setEntity(e.target.value)}
          />
          <Button
            type="submit"
            variant="contained"
            color="primary"
            disabled={loading}
          >
            Show events
          </Button>
          <Button
            variant="outlined"
            startIcon={<GetAppIcon />}
            onClick={() => exportAs('csv')}
          >
            Export CSV
          </Button>
          <Button
            variant="outlined"
            startIcon={<GetAppIcon />}
            onClick={() => exportAs('jsonl')}
          >
            Export JSON lines
          </Button>
        </Box>
      </Paper>
      {error && (
        <Box mt={2}>
          <Alert severity="error">{errorMessage(error)}</Alert>
        </Box>
      )}
      <Box mt={2}>
        {events ? (
          <Table<RequestEvent>
            title={`Audit events (${events.length}, newest first)`}
            options={{
              paging: events.length > 50,
              pageSize: 50,
              search: true,
              padding: 'dense',
              sorting: false,
            }}
            columns={columns}
            data={events}
            isLoading={loading}
          />
        ) : (
          <Typography variant="body2" color="textSecondary">
            Every state change, approval and comment of every request, as
            evidence. Choose filters and show the events, or export them.
          </Typography>
        )}
      </Box>
    </Box>
  );
};
