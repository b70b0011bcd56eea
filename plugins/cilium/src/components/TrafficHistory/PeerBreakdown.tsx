import { Paper, Typography } from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import { EntityTrafficHistoryBucket } from '@cilium-zero-trust/plugin-cilium-common';
import { count, minuteLabel, peerLabel } from './format';

const useStyles = makeStyles(theme => ({
  paper: { padding: theme.spacing(1, 1.5), maxWidth: 420 },
  table: {
    borderCollapse: 'collapse',
    '& td, & th': { padding: theme.spacing(0.25, 1), textAlign: 'right' },
    '& td:first-child, & th:first-child': {
      textAlign: 'left',
      paddingLeft: 0,
      maxWidth: 240,
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      whiteSpace: 'nowrap',
    },
  },
}));

/** One minute of an entity's traffic, peer by peer: the chart's tooltip. */
export const PeerBreakdown = (props: {
  bucket: EntityTrafficHistoryBucket;
}) => {
  const classes = useStyles();
  const { bucket } = props;
  const other = bucket.otherPeers;
  return (
    <Paper className={classes.paper} elevation={3}>
      <Typography variant="subtitle2">
        {minuteLabel(bucket.start)}: {count(bucket.forwarded)} forwarded,{' '}
        {count(bucket.dropped)} dropped
      </Typography>
      {bucket.peers.length > 0 && (
        <table className={classes.table}>
          <thead>
            <tr>
              <th>Peer</th>
              <th>Forwarded</th>
              <th>Dropped</th>
            </tr>
          </thead>
          <tbody>
            {bucket.peers.map(p => (
              <tr key={`${p.peer.type}:${p.peer.id}`}>
                <td title={p.peer.id}>{peerLabel(p.peer)}</td>
                <td>{count(p.forwarded)}</td>
                <td>{count(p.dropped)}</td>
              </tr>
            ))}
            {other.forwarded + other.dropped > 0 && (
              <tr>
                <td>other peers</td>
                <td>{count(other.forwarded)}</td>
                <td>{count(other.dropped)}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </Paper>
  );
};
