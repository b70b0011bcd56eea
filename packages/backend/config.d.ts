export interface Config {
  auth?: {
    providers?: {
      /** The sample backend's development sign-in (the `x-dev-user` header). */
      dev?: {
        /**
         * Lets the `dev` provider (and the unauthenticated user list of the
         * sign-in page) start when NODE_ENV is `production`. Anyone who can
         * reach the backend can then sign in as any user. For demos only.
         * @visibility backend
         */
        dangerouslyAllowOutsideDevelopment?: boolean;
      };
    };
  };
}
