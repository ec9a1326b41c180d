// Building elements in the pages' scripts: el('li', {class: 'x', onclick: f}, 'text', child).
// Attributes are set as such (never `style`: the pages' CSP refuses inline style attributes;
// set element.style instead, which it allows); `on…` keys add listeners; false, null and
// undefined attributes and children are left out.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined || v === null) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return e;
}
