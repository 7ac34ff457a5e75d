import { restSuite } from './suites/rest-suite.js';
import { startServerHost } from './support/server-host.js';

// The same suite on PostgreSQL, in a schema of its own.
restSuite(() => startServerHost({ backend: 'postgres' }));
