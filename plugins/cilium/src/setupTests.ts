import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The whole repository's suites share two cores in CI: give asynchronous
// queries room so a busy machine does not fail a correct render.
configure({ asyncUtilTimeout: 10000 });
jest.setTimeout(30000);
