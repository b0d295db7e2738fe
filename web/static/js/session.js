// Who is signed in: the dev token and what it says, in sessionStorage (gone with the tab).

const KEY = 'cinema.session';
const listeners = new Set();

export function current() {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    session = null;
  }
  if (!session?.token) return null;
  if (session.expiresAt && session.expiresAt <= Date.now()) {
    clear();
    return null;
  }
  return session;
}

export function save(token, requested) {
  const claims = decodeClaims(token);
  const session = {
    token,
    sub: claims.sub ?? requested.sub,
    roles: Array.isArray(claims.roles) ? claims.roles : requested.roles,
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : null,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  listeners.forEach((f) => f(session));
  return session;
}

export function clear() {
  sessionStorage.removeItem(KEY);
  listeners.forEach((f) => f(null));
}

export const onChange = (f) => listeners.add(f);
export const isAdmin = (s) => Boolean(s?.roles?.includes('admin'));
export const isCustomer = (s) => Boolean(s?.roles?.includes('customer'));

/** The JWT's payload (not verified: the gateway does that; this is only for display). */
function decodeClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)));
    return JSON.parse(json) ?? {};
  } catch {
    return {};
  }
}
