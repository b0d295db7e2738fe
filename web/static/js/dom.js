// Building DOM without innerHTML: text from the API never becomes markup.

/** h('a', { href: '/', class: 'x', onclick: fn }, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// Typed-in values survive re-renders (language switch, refreshed lists, going back and forth)
// for the rest of the tab's life; keyed by the field's id.
const drafts = new Map();

/** Restores the draft of `input` (by id) and keeps it up to date. */
export function keepDraft(input) {
  const key = input.id;
  if (drafts.has(key)) {
    if (input.type === 'checkbox' || input.type === 'radio') input.checked = drafts.get(key);
    else input.value = drafts.get(key);
  }
  const save = () => drafts.set(key, input.type === 'checkbox' || input.type === 'radio' ? input.checked : input.value);
  input.addEventListener('input', save);
  input.addEventListener('change', save);
  return input;
}

export function forgetDrafts(prefix) {
  for (const key of [...drafts.keys()]) if (key.startsWith(prefix)) drafts.delete(key);
}

/**
 * Replaces the children of `root` with `render()`'s result, keeping keyboard focus on the
 * element with the same id or data-key when it is drawn again.
 */
export function redraw(root, render) {
  const active = document.activeElement;
  const key = active && root.contains(active) ? (active.id ? `#${CSS.escape(active.id)}` : active.dataset.key ? `[data-key="${CSS.escape(active.dataset.key)}"]` : null) : null;
  root.replaceChildren(...[render()].flat());
  if (key) root.querySelector(key)?.focus();
}

/**
 * `redraw`, unless the new content's markup is what `root` shows already: a page that refreshes
 * every few seconds then leaves alone what did not change (a screen reader's place, a scrolled
 * table, the focus).
 */
export function redrawChanged(root, render) {
  const next = [render()].flat().filter((node) => node != null && node !== false);
  const markup = next.map((node) => (node instanceof Node ? node.outerHTML ?? node.textContent : String(node))).join('');
  if (markup === root.innerHTML) return false;
  redraw(root, () => next);
  return true;
}

/** A labelled form field: label, control, optional hint (linked with aria-describedby). */
export function field(label, control, hint) {
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A random key (an Idempotency-Key); works outside secure contexts too. */
export function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Tells screen readers about a change that happened away from the focus. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A new text node in a later task is announced even when the text repeats.
  setTimeout(() => { region.textContent = text; }, 50);
}
