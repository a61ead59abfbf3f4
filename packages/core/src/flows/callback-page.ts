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

/** The short page the browser login shows on the local callback. Self-contained: no scripts, no external assets. */
export function renderCallbackPage(page: CallbackPage): string {
  const ok = page.outcome === "success";
  const accent = ok ? "#1a7f37" : "#cf222e";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · upstox-token</title>
<style>
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: #f6f8fa; color: #1f2328; margin: 0; }
  main { max-width: 34rem; margin: 12vh auto; background: #fff; border: 1px solid #d0d7de; border-radius: 12px; padding: 2rem 2.25rem; }
  h1 { font-size: 1.35rem; margin: 0 0 .75rem; color: ${accent}; }
  h1 span { margin-right: .4rem; }
  p { margin: .5rem 0; }
  .next { margin-top: 1.25rem; padding: .75rem 1rem; background: #f6f8fa; border-radius: 8px; }
  .close { margin-top: 1.25rem; color: #656d76; font-size: .9rem; }
</style>
</head>
<body>
<main>
  <h1><span aria-hidden="true">${ok ? "✓" : "✗"}</span>${escapeHtml(page.title)}</h1>
  <p>${escapeHtml(page.detail)}</p>
  <p class="next"><strong>Next:</strong> ${escapeHtml(page.nextStep)}</p>
  <p class="close">You can close this tab.</p>
</main>
</body>
</html>
`;
}
