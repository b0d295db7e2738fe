// Polling that stops by itself: when `step` says it is done, or when `signal` aborts (the user
// left the page). Steps never overlap; a failed step is retried at the next tick. With
// `whileVisible`, nothing is fetched while the tab is hidden: the next tick waits until the tab
// is shown again, and then comes at once.

export function poll(step, intervalMs, signal, { whileVisible = false } = {}) {
  let timer = null;
  let running = false;
  let done = false;
  const paused = () => whileVisible && document.hidden;
  const tick = async () => {
    timer = null;
    if (signal.aborted || paused()) return;
    running = true;
    try {
      done = Boolean(await step(signal));
    } catch (e) {
      if (e.name === 'AbortError') return;
      console.warn('poll', e);
    } finally {
      running = false;
    }
    if (!done && !signal.aborted && !paused()) timer = setTimeout(tick, typeof intervalMs === 'function' ? intervalMs() : intervalMs);
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  if (whileVisible) {
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && !done && !running && timer === null) tick();
    }, { signal });
  }
  tick();
}
