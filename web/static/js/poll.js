// Polling that stops by itself: when `step` says it is done, or when `signal` aborts (the user
// left the page). Steps never overlap; a failed step is retried at the next tick.

export function poll(step, intervalMs, signal) {
  let timer = null;
  const tick = async () => {
    timer = null;
    if (signal.aborted) return;
    let done = false;
    try {
      done = await step(signal);
    } catch (e) {
      if (e.name === 'AbortError') return;
      console.warn('poll', e);
    }
    if (!done && !signal.aborted) timer = setTimeout(tick, typeof intervalMs === 'function' ? intervalMs() : intervalMs);
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  tick();
}
