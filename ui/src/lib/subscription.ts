// Tauri hands back an event subscription's unsubscriber only once the subscription is
// made; an effect's cleanup may run before that.

/** Follows a subscription being made; the returned function ends it, whether it is made
 * yet or not (so an effect can return it). A refusal (no shell) is logged, not thrown. */
export function stopLater(started: Promise<() => void>): () => void {
  let stop: (() => void) | undefined;
  let stopped = false;
  started.then(
    (unsubscribe) => {
      if (stopped) unsubscribe();
      else stop = unsubscribe;
    },
    (e) => console.warn("subscription refused", e),
  );
  return () => {
    stopped = true;
    stop?.();
  };
}
