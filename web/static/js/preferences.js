// The signed-in customer's language, kept by the server (GET/PUT /api/my/preferences) so that
// their chat messages follow the UI. A server without the endpoint (404/405) simply has no
// preference: the choice then lives in this browser only.

import * as api from './api.js';
import { chosenHere, language, setLanguage } from './i18n.js';
import * as session from './session.js';

const absent = (error) => error?.status === 404 || error?.status === 405;

/**
 * After sign-in. A language chosen in this browser is the customer's latest word: the account
 * takes it (the server answers "ko" for an account that never chose, so adopting blindly would
 * undo an English choice made a minute ago). With no choice here, the account's language
 * becomes the UI's (a customer who chose English on their phone gets English here too).
 */
export async function syncAccountLanguage() {
  if (!session.isCustomer(session.current())) return;
  try {
    const saved = (await api.preferences())?.language;
    if (chosenHere()) {
      if (saved !== language()) await api.setPreferences({ language: language() });
    } else if (saved) {
      setLanguage(saved, 'account');
    }
  } catch (error) {
    if (!absent(error)) console.warn('preferences', error.code ?? error);
  }
}

/** The language switch, for a signed-in customer: remembered by the server too. */
export async function saveAccountLanguage(next) {
  if (!session.isCustomer(session.current())) return;
  try {
    await api.setPreferences({ language: next });
  } catch (error) {
    if (!absent(error)) console.warn('preferences', error.code ?? error);
  }
}
