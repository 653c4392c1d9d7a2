// Small DOM helpers shared by the pages.

// el('div', {className: 'x', dataset: {...}, onclick}, child, 'text', ...)
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// Replaces the content of `container` with a message box; kind is 'error' or
// 'info'. Returns the box.
export function showNotice(container, kind, title, text) {
  const box = el('div', { className: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    el('h3', {}, title), el('p', {}, text));
  container.replaceChildren(box);
  return box;
}

// Copies `text` to the clipboard; falls back to selecting `input` where the
// Clipboard API is unavailable (plain http on a non-loopback host).
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.select();
    return document.execCommand('copy');
  }
}

// Shows `tooltip` near the pointer, kept inside the window.
export function placeTooltip(tooltip, event) {
  tooltip.hidden = false;
  const margin = 14;
  const { offsetWidth: w, offsetHeight: h } = tooltip;
  let left = event.clientX + margin;
  let top = event.clientY + margin;
  if (left + w > window.innerWidth - 4) left = event.clientX - w - margin;
  if (top + h > window.innerHeight - 4) top = event.clientY - h - margin;
  tooltip.style.left = `${Math.max(4, left)}px`;
  tooltip.style.top = `${Math.max(4, top)}px`;
}
