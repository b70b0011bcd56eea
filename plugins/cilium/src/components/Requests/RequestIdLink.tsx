import { ReactNode } from 'react';
import { Link } from '@backstage/core-components';
import { useRequestLink } from '../../hooks/useRequestLink';

/** A request's id (or the given text) linked to its page, or plain text when the app does not mount the Cilium page. */
export const RequestIdLink = (props: { id: string; children?: ReactNode }) => {
  const link = useRequestLink()(props.id);
  const text = props.children ?? props.id;
  return link ? <Link to={link}>{text}</Link> : <>{text}</>;
};
