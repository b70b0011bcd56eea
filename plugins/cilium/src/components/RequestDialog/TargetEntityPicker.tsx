import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useDebounce from 'react-use/esm/useDebounce';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { TextField, Typography } from '@material-ui/core';
import Autocomplete from '@material-ui/lab/Autocomplete';

function label(entity: Entity | undefined, ref: string): string {
  const name =
    entity?.metadata.title ??
    entity?.metadata.name ??
    ref.replace(/^component:default\//, '');
  return `${name} (${ref})`;
}

/**
 * Picks a catalog Component or Resource as the destination, searching the
 * catalog as the user types.
 */
export const TargetEntityPicker = (props: {
  value: string;
  onChange: (ref: string) => void;
  /** The source entity (not offered). */
  exclude: string;
  helperText?: string;
  error?: boolean;
}) => {
  const catalogApi = useApi(catalogApiRef);
  const [input, setInput] = useState('');
  const [term, setTerm] = useState('');
  useDebounce(() => setTerm(input), 250, [input]);
  const {
    value: entities = [],
    loading,
    error,
  } = useAsync(async () => {
    const result = await catalogApi.queryEntities({
      filter: { kind: ['Component', 'Resource'] },
      ...(term.trim()
        ? {
            fullTextFilter: {
              term: term.trim(),
              fields: ['metadata.name', 'metadata.title'],
            },
          }
        : {}),
      orderFields: { field: 'metadata.name', order: 'asc' },
      limit: 50,
    });
    return result.items;
  }, [catalogApi, term]);
  const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));
  const options = [...byRef.keys()].filter(r => r !== props.exclude);
  if (props.value && !options.includes(props.value))
    options.unshift(props.value);

  return (
    <Autocomplete<string>
      id="cilium-request-target-entity"
      options={options}
      value={props.value || null}
      loading={loading}
      filterOptions={x => x}
      getOptionLabel={ref => label(byRef.get(ref), ref)}
      renderOption={ref => {
        const e = byRef.get(ref);
        return (
          <div>
            <Typography variant="body2">
              {e?.metadata.title ?? e?.metadata.name ?? ref}
            </Typography>
            <Typography variant="caption" color="textSecondary">
              {ref}
              {e?.spec?.owner ? ` · owned by ${String(e.spec.owner)}` : ''}
            </Typography>
          </div>
        );
      }}
      onChange={(_e, ref) => props.onChange(ref ?? '')}
      onInputChange={(_e, text, reason) => {
        if (reason === 'input') setInput(text);
        if (reason === 'clear') setInput('');
      }}
      renderInput={params => (
        <TextField
          {...params}
          label="Target entity"
          variant="outlined"
          required
          error={props.error || Boolean(error)}
          helperText={
            error
              ? `Could not search the catalog: ${error.message}`
              : props.helperText ??
                'Search the catalog: services and external resources'
          }
        />
      )}
    />
  );
};
