import { ReactNode, useId, useState } from 'react';
import { Box, Typography } from '@material-ui/core';
import { ToggleButton, ToggleButtonGroup } from '@material-ui/lab';

/**
 * A chart with its text alternatives: a one-sentence summary that is always
 * shown (and describes the figure), and a toggle to show the same data as a
 * table instead of the chart.
 */
export const ChartOrTable = (props: {
  /** What the chart shows, e.g. "Flows per minute, last hour". */
  label: string;
  summary: ReactNode;
  chart: ReactNode;
  table: ReactNode;
}) => {
  const [view, setView] = useState<'chart' | 'table'>('chart');
  const summaryId = useId();
  return (
    <>
      <Box
        display="flex"
        alignItems="flex-start"
        justifyContent="space-between"
        mb={1}
        style={{ gap: 16 }}
      >
        <Typography variant="body2" id={summaryId}>
          {props.summary}
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={view}
          onChange={(_e, v) => v && setView(v)}
          aria-label={`${props.label}: show as`}
        >
          <ToggleButton value="chart">Chart</ToggleButton>
          <ToggleButton value="table">Table</ToggleButton>
        </ToggleButtonGroup>
      </Box>
      {view === 'chart' ? (
        <Box
          component="figure"
          m={0}
          role="figure"
          aria-label={props.label}
          aria-describedby={summaryId}
        >
          {props.chart}
        </Box>
      ) : (
        props.table
      )}
    </>
  );
};
