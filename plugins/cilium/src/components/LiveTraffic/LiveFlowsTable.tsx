import { useMemo, useState } from 'react';
import { FixedSizeList, ListChildComponentProps } from 'react-window';
import {
  Box,
  Button,
  FormControl,
  InputLabel,
  MenuItem,
  Paper,
  Select,
  TextField,
  Tooltip,
  Typography,
} from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import PauseIcon from '@material-ui/icons/Pause';
import PlayArrowIcon from '@material-ui/icons/PlayArrow';
import GetAppIcon from '@material-ui/icons/GetApp';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { errorMessage } from '../../api';
import { useLiveFlows } from '../../hooks/useLiveFlows';
import { formatClockTime } from './clockTime';
import { FlowRow, summarizeFlow, toJsonLines } from './flowSummary';
import { VerdictChip } from './VerdictChip';

const COLUMNS = '190px 1.2fr 1.2fr 110px 1.2fr 120px 150px 1.2fr';
const COLUMNS_WITH_ACTION = `${COLUMNS} 130px`;
const ROW_HEIGHT = 36;

const useStyles = makeStyles(theme => ({
  header: {
    display: 'grid',
    gridTemplateColumns: COLUMNS,
    gap: theme.spacing(1),
    padding: theme.spacing(1, 2),
    fontWeight: 600,
    borderBottom: `1px solid ${theme.palette.divider}`,
  },
  row: {
    display: 'grid',
    gridTemplateColumns: COLUMNS,
    gap: theme.spacing(1),
    alignItems: 'center',
    padding: theme.spacing(0, 2),
    borderBottom: `1px solid ${theme.palette.divider}`,
    fontSize: '0.85rem',
    '& > *': {
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      whiteSpace: 'nowrap',
    },
  },
  controls: {
    display: 'flex',
    gap: theme.spacing(2),
    alignItems: 'center',
    padding: theme.spacing(2),
    flexWrap: 'wrap',
  },
  grow: { flexGrow: 1 },
  withAction: { gridTemplateColumns: COLUMNS_WITH_ACTION },
}));

type VerdictFilter = 'all' | 'FORWARDED' | 'DROPPED' | 'other';

function formatTime(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : `${formatClockTime(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

interface RowData {
  rows: FlowRow[];
  className: string;
  onRequest?: (row: FlowRow) => void;
  /** Only flows this entity opened can be requested from its page. */
  entityRef: string;
}

const Row = ({ index, style, data }: ListChildComponentProps<RowData>) => {
  const r = data.rows[index];
  return (
    <div
      className={data.className}
      style={style}
      role="row"
      data-testid="flow-row"
    >
      <span>{formatTime(r.time)}</span>
      <Tooltip title={r.source}>
        <span>{r.source}</span>
      </Tooltip>
      <Tooltip title={r.destination}>
        <span>{r.destination}</span>
      </Tooltip>
      <span>{r.port}</span>
      <Tooltip title={r.l7}>
        <span>{r.l7 || '—'}</span>
      </Tooltip>
      <span>
        <VerdictChip verdict={r.verdict} />
      </span>
      <span>{r.dropReason || '—'}</span>
      <Tooltip title={r.policies.join(', ')}>
        <span>{r.policies.join(', ') || '—'}</span>
      </Tooltip>
      {data.onRequest && (
        <span>
          {r.verdict === 'DROPPED' &&
          r.sourceRef === data.entityRef &&
          r.destinationPort ? (
            <Button
              size="small"
              color="primary"
              onClick={() => data.onRequest!(r)}
              aria-label={`Request ${r.source} to ${r.destination} on ${r.port}`}
            >
              Request this
            </Button>
          ) : null}
        </span>
      )}
    </div>
  );
};

/** The entity's live flows: a virtualised table fed by the stream, newest first. */
export const LiveFlowsTable = (props: {
  entity: CompoundEntityRef;
  /** One of the entity's clusters; its default when omitted. */
  cluster?: string;
  height?: number;
  /** When given, dropped flows this entity opened get a "Request this" button. */
  onRequest?: (row: FlowRow) => void;
}) => {
  const classes = useStyles();
  const [paused, setPaused] = useState(false);
  const [verdict, setVerdict] = useState<VerdictFilter>('all');
  const [peer, setPeer] = useState('');
  const live = useLiveFlows(props.entity, { paused, cluster: props.cluster });

  const rows = useMemo(() => {
    const needle = peer.trim().toLowerCase();
    const out: FlowRow[] = [];
    for (let i = live.flows.length - 1; i >= 0; i--) {
      const row = summarizeFlow(live.flows[i], i);
      if (verdict === 'FORWARDED' || verdict === 'DROPPED') {
        if (row.verdict !== verdict) continue;
      } else if (
        verdict === 'other' &&
        (row.verdict === 'FORWARDED' || row.verdict === 'DROPPED')
      )
        continue;
      if (
        needle &&
        !`${row.source} ${row.destination}`.toLowerCase().includes(needle)
      )
        continue;
      out.push(row);
    }
    return out;
  }, [live.flows, verdict, peer]);

  const exportJsonLines = () => {
    const blob = new Blob([toJsonLines(live.flows)], {
      type: 'application/x-ndjson',
    });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${props.entity.name}${
      props.cluster ? `-${props.cluster}` : ''
    }-flows.jsonl`;
    a.click();
    URL.revokeObjectURL(url);
  };

  let stateText = '';
  if (live.state === 'connecting') stateText = 'Connecting…';
  else if (live.state === 'live')
    stateText = paused ? `Paused: ${live.pending} new flows held back` : 'Live';
  else if (live.state === 'reconnecting')
    stateText = `Reconnecting (${
      live.error ? errorMessage(live.error) : 'stream ended'
    })`;
  else stateText = live.error ? errorMessage(live.error) : 'Error';

  return (
    <Paper>
      <div className={classes.controls}>
        <Typography variant="h6">
          Live traffic{props.cluster ? ` in ${props.cluster}` : ''}
        </Typography>
        <Typography
          variant="body2"
          color={live.state === 'error' ? 'error' : 'textSecondary'}
          role="status"
        >
          {stateText}
          {live.lost > 0
            ? ` · ${live.lost} flows lost (the browser read too slowly)`
            : ''}
        </Typography>
        <Typography variant="body2" color="textSecondary">
          <span data-testid="flows-received">{live.received}</span> flows
          received
        </Typography>
        <div className={classes.grow} />
        <FormControl size="small" variant="outlined" style={{ minWidth: 140 }}>
          <InputLabel id="verdict-filter-label">Verdict</InputLabel>
          <Select
            labelId="verdict-filter-label"
            label="Verdict"
            value={verdict}
            onChange={e => setVerdict(e.target.value as VerdictFilter)}
          >
            <MenuItem value="all">All</MenuItem>
            <MenuItem value="FORWARDED">Forwarded</MenuItem>
            <MenuItem value="DROPPED">Dropped</MenuItem>
            <MenuItem value="other">Other</MenuItem>
          </Select>
        </FormControl>
        <TextField
          size="small"
          variant="outlined"
          id="cilium-peer-filter"
          label="Filter by peer"
          value={peer}
          onChange={e => setPeer(e.target.value)}
        />
        <Button
          variant="outlined"
          startIcon={paused ? <PlayArrowIcon /> : <PauseIcon />}
          onClick={() => setPaused(p => !p)}
        >
          {paused ? 'Resume' : 'Pause'}
        </Button>
        <Button
          variant="outlined"
          startIcon={<GetAppIcon />}
          onClick={exportJsonLines}
          disabled={live.flows.length === 0}
        >
          Export JSON lines
        </Button>
      </div>
      <div
        className={`${classes.header} ${
          props.onRequest ? classes.withAction : ''
        }`}
        role="row"
      >
        <span>Time</span>
        <span>Source</span>
        <span>Destination</span>
        <span>Port</span>
        <span>L7</span>
        <span>Verdict</span>
        <span>Drop reason</span>
        <span>Policies</span>
        {props.onRequest && <span>Action</span>}
      </div>
      {rows.length === 0 ? (
        <Box p={3}>
          <Typography color="textSecondary">
            {live.flows.length === 0
              ? 'No flows seen for this entity yet. Flows appear here as Hubble Relay reports them.'
              : 'No flow matches the filters.'}
          </Typography>
        </Box>
      ) : (
        <FixedSizeList
          height={props.height ?? Math.min(480, rows.length * ROW_HEIGHT)}
          itemCount={rows.length}
          itemSize={ROW_HEIGHT}
          width="100%"
          itemKey={(i, data) => data.rows[i].key}
          itemData={{
            rows,
            className: `${classes.row} ${
              props.onRequest ? classes.withAction : ''
            }`,
            onRequest: props.onRequest,
            entityRef: stringifyEntityRef(props.entity),
          }}
        >
          {Row}
        </FixedSizeList>
      )}
    </Paper>
  );
};
