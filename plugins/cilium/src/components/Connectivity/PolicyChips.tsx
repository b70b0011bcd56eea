import { useState } from 'react';
import { Chip, Tooltip } from '@material-ui/core';
import { PolicyRuleRef } from '@cilium-zero-trust/plugin-cilium-common';
import { PolicyYamlDialog } from './PolicyYamlDialog';

const SHORT_KIND: Record<string, string> = {
  CiliumNetworkPolicy: 'CNP',
  CiliumClusterwideNetworkPolicy: 'CCNP',
  NetworkPolicy: 'KNP',
};

function ruleLabel(r: PolicyRuleRef): string {
  return `${SHORT_KIND[r.kind] ?? r.kind} ${
    r.namespace ? `${r.namespace}/` : ''
  }${r.name}`;
}

function ruleDetail(r: PolicyRuleRef): string {
  const rule = r.ruleIndex === 0 ? 'spec' : `specs[${r.ruleIndex - 1}]`;
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${rule}.${
    r.section
  }[${r.elementIndex}] ${r.deny ? 'denies' : 'allows'} ${r.ports}`;
}

/** The rules behind an edge, as chips that open the policy's YAML. */
export const PolicyChips = (props: {
  cluster: string;
  rules: PolicyRuleRef[];
}) => {
  const [open, setOpen] = useState<PolicyRuleRef | undefined>();
  const unique = props.rules.filter(
    (r, i, all) => all.findIndex(o => ruleDetail(o) === ruleDetail(r)) === i,
  );
  return (
    <>
      {unique.map(r => (
        <Tooltip key={ruleDetail(r)} title={ruleDetail(r)}>
          <Chip
            size="small"
            variant="outlined"
            color={r.deny ? 'secondary' : 'default'}
            label={ruleLabel(r)}
            onClick={r.path ? () => setOpen(r) : undefined}
            style={{ margin: 2 }}
          />
        </Tooltip>
      ))}
      {open?.path && (
        <PolicyYamlDialog
          cluster={props.cluster}
          path={open.path}
          title={ruleLabel(open)}
          onClose={() => setOpen(undefined)}
        />
      )}
    </>
  );
};
