export interface CallbackPage {
  outcome: "success" | "error";
  /** One line: what happened. */
  title: string;
  /** A sentence or two of detail. */
  detail: string;
  /** What to do next. */
  nextStep: string;
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const ICONS = {
  success: '<path d="M7 12.5l3.2 3.2L17 8.8"/>',
  error: '<path d="M12 7v6.2"/><path d="M12 16.8v.2"/>',
} as const;

/**
 * The short page the browser login shows on the local callback. Self-contained (inline styles, no scripts, no
 * external assets, and a CSP that forbids loading any), so it renders the same offline and leaks nothing; it
 * never shows the token. Readable from phone to desktop widths, light and dark.
 */
export function renderCallbackPage(page: CallbackPage): string {
  const ok = page.outcome === "success";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>${escapeHtml(page.title)} · upstox-token</title>
<style>
  :root { --bg: #f3f4f7; --card: #fff; --text: #1f2328; --muted: #59636e; --line: #d8dee4; --box: #f6f8fa;
    --accent: ${ok ? "#1a7f37" : "#c4281c"}; --tint: ${ok ? "#dafbe1" : "#ffebe9"}; }
  @media (prefers-color-scheme: dark) {
    :root { --bg: #0d1117; --card: #161b22; --text: #e6edf3; --muted: #9198a1; --line: #30363d; --box: #0d1117;
      --accent: ${ok ? "#3fb950" : "#f85149"}; --tint: ${ok ? "#12261e" : "#2d1214"}; }
  }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; padding: 1rem; display: flex; align-items: center; justify-content: center;
    background: var(--bg); color: var(--text); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { width: 100%; max-width: 32rem; background: var(--card); border: 1px solid var(--line);
    border-top: 4px solid var(--accent); border-radius: 12px; padding: 2rem 2.25rem; box-shadow: 0 8px 24px #0000000f; }
  .icon { display: block; width: 3rem; height: 3rem; border-radius: 50%; background: var(--tint); margin-bottom: 1rem; }
  .icon path { fill: none; stroke: var(--accent); stroke-width: 2.2; stroke-linecap: round; stroke-linejoin: round; }
  .app { margin: 0; color: var(--muted); font-size: .8rem; letter-spacing: .06em; text-transform: uppercase; }
  h1 { margin: .2rem 0 .75rem; font-size: 1.5rem; line-height: 1.25; color: var(--accent); overflow-wrap: anywhere; }
  h2 { margin: 0 0 .2rem; font-size: .8rem; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
  p { margin: 0; overflow-wrap: anywhere; }
  .next { margin-top: 1.25rem; padding: .85rem 1rem; background: var(--box); border: 1px solid var(--line); border-radius: 8px; }
  .close { margin-top: 1.25rem; padding-top: 1rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .9rem; }
  @media (max-width: 30rem) { body { align-items: flex-start; } main { padding: 1.5rem 1.25rem; } h1 { font-size: 1.3rem; } }
</style>
</head>
<body>
<main>
  <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">${ICONS[page.outcome]}</svg>
  <p class="app">upstox-token · browser login</p>
  <h1>${escapeHtml(page.title)}</h1>
  <p class="detail">${escapeHtml(page.detail)}</p>
  <section class="next" aria-label="What to do next">
    <h2>What to do next</h2>
    <p>${escapeHtml(page.nextStep)}</p>
  </section>
  <p class="close">You can close this tab.</p>
</main>
</body>
</html>
`;
}
