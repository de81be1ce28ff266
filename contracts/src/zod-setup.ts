import { z } from 'zod';

/**
 * Outside Node (the admin console, the H5 app, mini-programs) zod must not try `new Function`:
 * the apps run under a Content-Security-Policy without 'unsafe-eval' (and mini-programs forbid
 * eval), and zod's probe for it, though caught, is reported as a CSP violation. Object schemas
 * decide this when they are built, so this module is imported first by the contracts' index.
 * The backend keeps zod's faster compiled parsers.
 */
// (Older mini-program runtimes have no globalThis: they are not Node either.)
const runtime = (typeof globalThis === 'undefined' ? {} : globalThis) as { process?: { versions?: { node?: string } } };
if (!runtime.process?.versions?.node) z.config({ jitless: true });
