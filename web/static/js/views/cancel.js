// Cancelling a booking, in two steps so one stray click does not cancel.

import * as api from '../api.js';
import { h } from '../dom.js';
import { errorBox } from '../errors.js';
import { t } from '../i18n.js';

export function cancelControl({ id, messages, onCancelled }) {
  const box = h('div', { class: 'cancel' });
  const ask = () => {
    const yes = h('button', { type: 'button', class: 'button button--danger', dataset: { key: `cancel-yes-${id}` } }, t('cancel.confirm'));
    const no = h('button', { type: 'button', class: 'button button--ghost', dataset: { key: `cancel-no-${id}` } }, t('cancel.keep'));
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      no.disabled = true;
      try {
        onCancelled(await api.cancel(id));
      } catch (error) {
        messages.replaceChildren(errorBox(error));
        start();
      }
    });
    no.addEventListener('click', start);
    box.replaceChildren(h('div', { class: 'confirm', role: 'group', 'aria-label': t('cancel.question') },
      h('p', {}, t('cancel.question')), h('div', { class: 'actions' }, yes, no)));
    yes.focus();
  };
  const start = () => {
    const button = h('button', { type: 'button', class: 'button button--danger-outline', dataset: { key: `cancel-${id}` }, onclick: ask }, t('cancel.button'));
    box.replaceChildren(button);
    return button;
  };
  start();
  return box;
}
