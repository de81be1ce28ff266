// Lets a child process run the backend from its TypeScript source, as jest does (swc, with
// decorator metadata), so tests can start, kill and restart real app instances.
const fs = require('fs');
const path = require('path');
const Module = require('module');
const swc = require('@swc/core');

const CONTRACTS = path.resolve(__dirname, '../../../contracts/src/index.ts');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === '@lfxj/contracts' ? CONTRACTS : request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  });
  module._compile(code, filename);
};
