/**
 * A `node --import` preload that records the URL of every module the process loads, one a line,
 * in the file named by MODULE_RECORD_FILE: test/cli-start.test.ts reads it to prove that `--help`
 * loads no database driver or web framework. No API lists the ES modules a process has loaded
 * (require.cache holds only CommonJS ones), so this watches the loader instead.
 *
 * Plain JavaScript, because it must load before tsx is registered (bin/salesops.js registers
 * it). Node 22.15+ has in-thread hooks (module.registerHooks), which also see the require()
 * calls inside CommonJS packages; Node 20 has only off-thread ones (module.register), which see
 * every import, a CommonJS package's entry file included. Both append each URL to the file at
 * once: off-thread hooks can be stopped at exit before a message would reach this thread.
 */
import fs from 'node:fs';
import module from 'node:module';

const file = process.env.MODULE_RECORD_FILE;
if (!file) throw new Error('module-recorder: set MODULE_RECORD_FILE to the file to write');
fs.writeFileSync(file, '');

if (typeof module.registerHooks === 'function') {
  module.registerHooks({
    load(url, context, nextLoad) {
      fs.appendFileSync(file, url + '\n');
      return nextLoad(url, context);
    },
  });
} else {
  module.register('./module-recorder-hooks.mjs', import.meta.url, { data: { file } });
}
