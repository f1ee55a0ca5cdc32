// When the page is served by `dagrun viz --serve`, it asks the server for the page's version every
// second and reloads when a change to pipeline.yaml, conf/ or a new run made a new one. A page opened
// from disk has no `live` entry and makes no request at all.

export const watchVersion = (live: { readonly url: string; readonly version: number } | undefined): void => {
  if (!live) return;
  const poll = async () => {
    try {
      const res = await fetch(live.url, { cache: 'no-store' });
      const { version } = (await res.json()) as { version: number };
      if (version !== live.version) return location.reload();
    } catch {
      // The server is restarting or stopped: try again on the next tick.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
};
