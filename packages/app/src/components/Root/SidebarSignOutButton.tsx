import useAsync from 'react-use/esm/useAsync';
import ExitToAppIcon from '@material-ui/icons/ExitToApp';
import { SidebarItem } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';

/** Shows who is signed in; a click signs out (back to the user picker). */
export const SidebarSignOutButton = () => {
  const identityApi = useApi(identityApiRef);
  const { value } = useAsync(() => identityApi.getProfileInfo(), [identityApi]);
  return (
    <SidebarItem
      icon={ExitToAppIcon}
      text={value?.displayName ? `Sign out ${value.displayName}` : 'Sign out'}
      onClick={() => identityApi.signOut()}
    />
  );
};
