/**
 * The off-thread half of module-recorder.mjs (Node 20, where module.registerHooks does not
 * exist): module.register runs these hooks in the loader thread.
 */
import fs from 'node:fs';

/** @type {string} */
let file = '';

/** @param {{ file: string }} data */
export function initialize(data) {
  file = data.file;
}

/**
 * @param {string} url
 * @param {unknown} context
 * @param {(url: string, context: unknown) => Promise<unknown>} nextLoad
 */
export async function load(url, context, nextLoad) {
  fs.appendFileSync(file, url + '\n');
  return nextLoad(url, context);
}
