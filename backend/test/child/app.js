// One real backend instance in its own process (see support-process.ts). Prints a line when it
// listens and stops cleanly on SIGTERM, so leases can be released; SIGKILL is a crash.
require('./register');
const path = require('path');
const { Bootstrap } = require('@midwayjs/bootstrap');

// The test that started this instance is gone (its end of stdin closed): go too, at once.
process.stdin.on('end', () => process.exit(70));
process.stdin.on('error', () => process.exit(70));
process.stdin.resume();

Bootstrap.configure({ baseDir: path.resolve(__dirname, '../../src') })
  .run()
  // The port it really listens on (the framework takes MIDWAY_HTTP_PORT over PORT, if set).
  .then(() => console.log(`CHILD_APP_READY port=${process.env.MIDWAY_HTTP_PORT}`))
  .catch((err) => {
    console.error('CHILD_APP_FAILED', err && err.stack);
    process.exit(1);
  });
