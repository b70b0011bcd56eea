import { PropsWithChildren } from 'react';
import HomeIcon from '@material-ui/icons/Home';
import GroupIcon from '@material-ui/icons/People';
import SecurityIcon from '@material-ui/icons/Security';
import CreateComponentIcon from '@material-ui/icons/AddCircleOutline';
import {
  Sidebar,
  SidebarDivider,
  SidebarGroup,
  SidebarItem,
  SidebarPage,
  SidebarScrollWrapper,
  SidebarSpace,
} from '@backstage/core-components';
import { SidebarSignOutButton } from './SidebarSignOutButton';

export const Root = ({ children }: PropsWithChildren<{}>) => (
  <SidebarPage>
    <Sidebar>
      <SidebarGroup label="Menu">
        <SidebarScrollWrapper>
          <SidebarItem icon={HomeIcon} to="catalog" text="Catalog" />
          <SidebarItem
            icon={GroupIcon}
            to="catalog?filters[kind]=group"
            text="Teams"
          />
          <SidebarItem icon={CreateComponentIcon} to="create" text="Create…" />
          <SidebarItem icon={SecurityIcon} to="cilium" text="Network policy" />
        </SidebarScrollWrapper>
      </SidebarGroup>
      <SidebarSpace />
      <SidebarDivider />
      <SidebarSignOutButton />
    </Sidebar>
    {children}
  </SidebarPage>
);
