import { Chip } from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles(theme => ({
  forwarded: {
    backgroundColor: theme.palette.success?.main ?? '#2e7d32',
    color: '#fff',
  },
  dropped: { backgroundColor: theme.palette.error.main, color: '#fff' },
  other: {},
}));

/** A flow verdict, coloured: forwarded green, dropped red. */
export const VerdictChip = (props: { verdict: string }) => {
  const classes = useStyles();
  const v = props.verdict.replace(/^VERDICT_/, '');
  let className = classes.other;
  if (v === 'FORWARDED') className = classes.forwarded;
  else if (v === 'DROPPED' || v === 'ERROR') className = classes.dropped;
  return <Chip size="small" label={v} className={className} />;
};
