import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  Content,
  Header,
  Page,
  Progress,
  ProxiedSignInPage,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  discoveryApiRef,
  IdentityApi,
  SignInPageProps,
  useApi,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  Avatar,
  Button,
  Card,
  CardActionArea,
  CardContent,
  Grid,
  Typography,
} from '@material-ui/core';

const STORAGE_KEY = 'cilium-zero-trust:dev-user';

interface DevUser {
  name: string;
  displayName: string;
  email?: string;
  groups: string[];
}

/** Clears the remembered user when the user signs out. */
function forgetOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      window.localStorage.removeItem(STORAGE_KEY);
      await identity.signOut();
    },
  };
}

const UserPicker = (props: { onPick: (name: string) => void }) => {
  const discoveryApi = useApi(discoveryApiRef);
  const { value, loading, error } = useAsync(async () => {
    const res = await fetch(
      `${await discoveryApi.getBaseUrl('devsignin')}/users`,
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()).users as DevUser[];
  }, [discoveryApi]);

  return (
    <Page themeId="home">
      <Header
        title="Sign in as a sample user"
        subtitle="Development sign-in: pick who you are to see ownership and permissions at work"
      />
      <Content>
        {loading && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        <Grid container spacing={2}>
          {value?.map(user => (
            <Grid item xs={12} sm={6} md={4} lg={3} key={user.name}>
              <Card>
                <CardActionArea
                  onClick={() => props.onPick(user.name)}
                  aria-label={`Sign in as ${user.displayName}`}
                >
                  <CardContent
                    style={{ display: 'flex', gap: 16, alignItems: 'center' }}
                  >
                    <Avatar>{user.displayName.charAt(0)}</Avatar>
                    <div>
                      <Typography variant="h6">{user.displayName}</Typography>
                      <Typography variant="body2" color="textSecondary">
                        {user.name}
                      </Typography>
                      <Typography variant="caption" color="textSecondary">
                        {user.groups
                          .map(g => g.replace(/^group:default\//, ''))
                          .join(', ')}
                      </Typography>
                    </div>
                  </CardContent>
                </CardActionArea>
              </Card>
            </Grid>
          ))}
        </Grid>
      </Content>
    </Page>
  );
};

/**
 * Sign in as any sample user through the backend's `dev` provider (which
 * exists only when `auth.environment` is `development`).
 */
export const DevSignInPage = (props: SignInPageProps) => {
  const [user, setUser] = useState<string | null>(() =>
    window.localStorage.getItem(STORAGE_KEY),
  );
  if (!user) {
    return (
      <UserPicker
        onPick={name => {
          window.localStorage.setItem(STORAGE_KEY, name);
          setUser(name);
        }}
      />
    );
  }
  return (
    <ProxiedSignInPage
      {...props}
      provider="dev"
      headers={{ 'x-dev-user': user }}
      onSignInSuccess={identity =>
        props.onSignInSuccess(forgetOnSignOut(identity))
      }
      ErrorComponent={({ error }) => (
        <Page themeId="home">
          <Header title="Sign-in failed" />
          <Content>
            <ResponseErrorPanel error={error ?? new Error('Unknown error')} />
            <Button
              style={{ marginTop: 16 }}
              variant="outlined"
              onClick={() => {
                window.localStorage.removeItem(STORAGE_KEY);
                setUser(null);
              }}
            >
              Pick another user
            </Button>
          </Content>
        </Page>
      )}
    />
  );
};
