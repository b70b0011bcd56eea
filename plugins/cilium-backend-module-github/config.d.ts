export interface Config {
  cilium?: {
    requests?: {
      /**
       * The `github` publisher's part of `cilium.requests.publisher` (the
       * cilium backend's schema has `type`, `baseBranch` and the `local-git`
       * fields).
       */
      publisher?: {
        /** `github` selects this module's publisher. */
        type: 'github' | string;
        /**
         * github: the repository, e.g. `https://github.com/org/gitops` (or
         * `github.com?owner=org&repo=gitops`). Credentials come from the
         * `integrations.github` entry of its host (token or GitHub App).
         */
        repoUrl?: string;
        /** github: the branch pull requests target. Default: the repository's default branch. */
        baseBranch?: string;
        /** github: users asked to review each pull request. */
        reviewers?: string[];
        /** github: team slugs asked to review each pull request. */
        teamReviewers?: string[];
        /** github: labels put on each pull request. Default `network-policy`. */
        labels?: string[];
      };
    };
  };
}
