import { restSuite } from './suites/rest-suite.js';
import { startServerHost } from './support/server-host.js';

restSuite(() => startServerHost());
