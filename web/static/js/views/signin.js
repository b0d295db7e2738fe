// Sign-in for local use: a development token for a customer name, or for theater staff (admin).

import * as api from '../api.js';
import { h, field, keepDraft } from '../dom.js';
import { errorBox } from '../errors.js';
import { t } from '../i18n.js';
import { syncAccountLanguage } from '../preferences.js';
import * as session from '../session.js';

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
const SAMPLE_CUSTOMERS = ['minji', 'jisoo', 'alice', 'bob'];

export default function signin(root, { query, navigate, setTitle }) {
  setTitle(t('signin.title'));
  const name = keepDraft(h('input', {
    id: 'signin-name', name: 'sub', required: true, autocomplete: 'username', spellcheck: 'false',
    autocapitalize: 'none', maxlength: 64, pattern: '[A-Za-z0-9_.@\\-]{1,64}', value: 'minji',
  }));
  const asCustomer = h('input', { type: 'radio', name: 'role', id: 'role-customer', value: 'customer', checked: true });
  const asAdmin = h('input', { type: 'radio', name: 'role', id: 'role-admin', value: 'admin' });
  const message = h('div', { class: 'messages' });
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'signin-submit' }, t('signin.submit'));
  const pick = (sub, admin) => () => {
    name.value = sub;
    name.dispatchEvent(new Event('input'));
    (admin ? asAdmin : asCustomer).checked = true;
    name.focus();
  };

  const form = h('form', { class: 'card narrow', id: 'signin-form', novalidate: true },
    h('h1', {}, t('signin.title')),
    h('p', { class: 'muted' }, t('signin.intro')),
    query.get('expired') ? h('div', { class: 'alert alert--info', role: 'status' }, h('p', { class: 'alert__title' }, t('signin.expired'))) : null,
    field(t('signin.name'), name, t('signin.nameHint')),
    h('div', { class: 'chips', role: 'group', 'aria-label': t('signin.quickPick') },
      SAMPLE_CUSTOMERS.map((sub) => h('button', { type: 'button', class: 'chip', onclick: pick(sub, false) }, sub)),
      h('button', { type: 'button', class: 'chip chip--staff', id: 'pick-admin', onclick: pick('admin', true) }, t('signin.pickAdmin'))),
    h('fieldset', { class: 'radios' },
      h('legend', {}, t('signin.role')),
      h('label', { class: 'radio' }, asCustomer, t('role.customer')),
      h('label', { class: 'radio' }, asAdmin, t('signin.roleAdmin'))),
    message,
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const sub = name.value.trim();
    if (!NAME.test(sub)) {
      name.setAttribute('aria-invalid', 'true');
      message.append(h('div', { class: 'alert alert--error', role: 'alert' }, h('p', { class: 'alert__title' }, t('signin.badName'))));
      name.focus();
      return;
    }
    name.removeAttribute('aria-invalid');
    const roles = [asAdmin.checked ? 'admin' : 'customer'];
    submit.disabled = true;
    try {
      const { token } = await api.devToken(sub, roles);
      const who = session.save(token, { sub, roles });
      await syncAccountLanguage();
      const next = query.get('next');
      const safeNext = next && next.startsWith('/') && !next.startsWith('//') && next !== '/signin' ? next : null;
      // Staff land on the staff pages (unless they came from one); customers where they were.
      const staffNext = safeNext?.startsWith('/staff') ? safeNext : '/staff';
      navigate(session.isAdmin(who) ? staffNext : (safeNext ?? '/'));
    } catch (error) {
      submit.disabled = false;
      message.append(error.status === 404
        ? h('div', { class: 'alert alert--error', role: 'alert' }, h('p', { class: 'alert__title' }, t('signin.disabled')))
        : errorBox(error));
    }
  });
  root.append(form);
}
