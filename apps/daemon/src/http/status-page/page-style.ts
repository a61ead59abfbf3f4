/** The status page's only stylesheet, inlined (the CSP allows nothing external). Cards reflow to one column on a phone. */
export const PAGE_STYLE = `
:root{color-scheme:light dark;--bg:#f5f6f8;--card:#fff;--fg:#1c1f24;--muted:#5d6673;--line:#e2e5ea;
--ok:#137333;--okbg:#e6f4ea;--warn:#8a5300;--warnbg:#fef3e0;--bad:#b3261e;--badbg:#fce8e6;--info:#1a56b0;--infobg:#e8f0fe}
@media (prefers-color-scheme:dark){:root{--bg:#121418;--card:#1b1e24;--fg:#e6e8eb;--muted:#9aa3ae;--line:#2c313a;
--ok:#81c995;--okbg:#1e3325;--warn:#fdd663;--warnbg:#3a3118;--bad:#f28b82;--badbg:#3c1f1d;--info:#8ab4f8;--infobg:#1d2a40}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{padding:16px 20px 8px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:baseline}
h1{font-size:20px;margin:0}
.summary{color:var(--muted)}
.live{margin-left:auto;color:var(--muted);font-size:13px}
.live::before{content:"";display:inline-block;width:8px;height:8px;border-radius:50%;background:var(--muted);margin-right:6px}
.live.on::before{background:var(--ok)}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px;padding:8px 20px 24px}
@media (max-width:480px){main{grid-template-columns:1fr;padding:8px 10px 20px}header{padding:12px 12px 4px}}
.card{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:10px;padding:14px 16px;min-width:0}
.card.valid{border-left-color:var(--ok)}.card.expiring-soon{border-left-color:var(--warn)}
.card.refreshing{border-left-color:var(--info)}.card.failed,.card.needs-attention{border-left-color:var(--bad)}
.top{display:flex;justify-content:space-between;align-items:center;gap:8px;margin-bottom:8px}
.name{font-weight:600;font-size:17px;overflow-wrap:anywhere}
.badge{font-size:12px;font-weight:600;padding:3px 9px;border-radius:999px;white-space:nowrap;background:var(--line)}
.badge.valid{color:var(--ok);background:var(--okbg)}.badge.expiring-soon{color:var(--warn);background:var(--warnbg)}
.badge.refreshing{color:var(--info);background:var(--infobg)}
.badge.failed,.badge.needs-attention{color:var(--bad);background:var(--badbg)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0}
dt{color:var(--muted)}dd{margin:0;min-width:0;overflow-wrap:anywhere}
.sub{color:var(--muted);font-size:13px;display:block}
.countdown{font-variant-numeric:tabular-nums;font-weight:600}
.error{margin-top:10px;padding:8px 10px;border-radius:8px;background:var(--badbg);color:var(--fg);font-size:14px;overflow-wrap:anywhere}
.error b{color:var(--bad)}.error.past{background:transparent;border:1px dashed var(--line);color:var(--muted)}
.error.past b{color:var(--muted)}.label{font-weight:600}.hint{display:block;margin-top:4px;color:var(--muted)}
.sinks{display:flex;flex-wrap:wrap;gap:6px;margin-top:10px}
.sink{font-size:12px;padding:2px 8px;border-radius:6px;border:1px solid var(--line)}
.sink.ok{color:var(--ok)}.sink.failed{color:var(--bad);border-color:var(--bad)}.sink.unknown{color:var(--muted)}.sink.lagging{color:var(--bad);border-style:dashed;border-color:var(--bad)}
.actions{display:flex;align-items:center;gap:10px;margin-top:12px}
.refresh{font:inherit;font-size:14px;padding:6px 14px;border-radius:8px;border:1px solid var(--info);background:var(--infobg);color:var(--info);cursor:pointer}
.refresh:disabled{opacity:.55;cursor:default}.note{color:var(--muted);font-size:13px}
footer{padding:0 20px 20px;color:var(--muted);font-size:13px}
footer a{color:inherit}
`;
