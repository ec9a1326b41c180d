// vega-embed as the pages use it, under their strict CSP: `ast: true` hands expressions over as
// syntax trees for vega-interpreter to evaluate (no `unsafe-eval`), and embed adds no <style>
// elements (the CSP refuses them without the page's nonce): the tooltip's look is in
// vega-tooltip.css, the charts' in each page's stylesheet.
import { expressionInterpreter } from '/assets/vendor/vega-interpreter.js';

/** Draw the Vega-Lite `spec` into `target` as SVG; `options` add to (or override) the defaults. */
export function embed(target, spec, options = {}) {
  return window.vegaEmbed(target, spec, {
    ast: true,
    expr: expressionInterpreter,
    renderer: 'svg',
    actions: false,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
    ...options,
  });
}
