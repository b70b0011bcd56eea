// A private test helper: it calls Jest's describe/it on behalf of the suites
// that import it, and finds ../shared relative to its own folder.
module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    'jest/no-export': 'off',
    'jest/valid-describe-callback': 'off',
    'jest/valid-title': 'off',
    'no-restricted-syntax': 'off',
  },
});
