/**
 * The status page's script, inlined under the CSP nonce. It renders rows with textContent only (an error
 * message from Upstox can never become markup), ticks the countdowns, and follows /v1/events (server-sent
 * events), falling back to polling /v1/accounts while the stream is down.
 */
export const PAGE_SCRIPT = `
(function(){
"use strict";
var CAUSE={"start-up":"at start-up","schedule":"on schedule","watchdog":"by the watchdog (Upstox refused the token)","manual":"by hand","unknown":"by another process"};
var csrfMeta=document.querySelector('meta[name="upstox-token-csrf"]');var csrf=csrfMeta?csrfMeta.getAttribute("content"):null;
var notes={};
function refreshNow(name,button){button.disabled=true;notes[name]="starting\u2026";render(report);
fetch("v1/refresh",{method:"POST",cache:"no-store",headers:{"content-type":"application/json","x-upstox-token-csrf":csrf},body:JSON.stringify({account:name})})
.then(function(r){return r.json().then(function(b){notes[name]=r.ok?"refresh started":"refused: "+(b.error||r.status)})})
.catch(function(){notes[name]="could not reach the daemon"}).then(function(){render(report)})}
var LABEL={"valid":"valid","expiring-soon":"expiring soon","refreshing":"refreshing","failed":"failed","needs-attention":"needs attention","waiting":"waiting"};
var istFmt=new Intl.DateTimeFormat("en-IN",{timeZone:"Asia/Kolkata",day:"2-digit",month:"short",hour:"2-digit",minute:"2-digit",second:"2-digit",hour12:false});
var localFmt=new Intl.DateTimeFormat(undefined,{day:"2-digit",month:"short",hour:"2-digit",minute:"2-digit",timeZoneName:"short"});
var report=JSON.parse(document.getElementById("initial").textContent);
var skew=0;
function now(){return Date.now()+skew}
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=text;return e}
function span(ms){var s=Math.max(0,Math.round(ms/1000));var d=Math.floor(s/86400),h=Math.floor(s%86400/3600),m=Math.floor(s%3600/60),x=s%60;
if(s<60)return x+"s";return (d?d+"d ":"")+(d||h?h+"h ":"")+m+"m "+(x<10?"0":"")+x+"s"}
function rel(ms){var diff=ms-now();return diff>=0?"in "+span(diff):span(-diff)+" ago"}
function when(dd,ms){dd.appendChild(el("span",null,istFmt.format(ms)+" IST"));dd.appendChild(el("span","sub",localFmt.format(ms)+" (your time)"));
var c=el("span","countdown sub");c.appendChild(ticking(ms));dd.appendChild(c)}
function ticking(ms){var t=el("span",null,rel(ms));t.setAttribute("data-at",String(ms));return t}
function row(dl,label,fill){dl.appendChild(el("dt",null,label));var dd=el("dd");fill(dd);dl.appendChild(dd)}
function card(a){var c=el("section","card "+a.state);c.setAttribute("data-account",a.account);c.setAttribute("data-state",a.state);
var top=el("div","top");top.appendChild(el("span","name",a.account));top.appendChild(el("span","badge "+a.state,LABEL[a.state]||a.state));c.appendChild(top);
var dl=el("dl");
row(dl,"Expires",function(dd){if(a.expires_at_ms==null)dd.textContent="no token yet";else when(dd,a.expires_at_ms)});
row(dl,"Last refresh",function(dd){var r=a.last_refresh;if(!r){dd.textContent="never";return}
var w=el("span",null,istFmt.format(r.at_ms)+" IST (");w.appendChild(ticking(r.at_ms));w.appendChild(document.createTextNode(")"));dd.appendChild(w);
var bits=[a.flow];if(r.cause)bits.unshift((CAUSE[r.cause]||r.cause)+(r.note?" ("+r.note+")":""));if(r.attempts!=null)bits.push(r.attempts===1?"1 attempt":r.attempts+" attempts");if(r.logged_in===false)bits.push("token from another instance");
dd.appendChild(el("span","sub",bits.join(" \\u00b7 ")));
if(r.user_id)dd.appendChild(el("span","sub","profile "+r.user_id+(r.user_name?" \\u00b7 "+r.user_name:"")))});
row(dl,"Next run",function(dd){if(a.next_run_at_ms==null)dd.textContent=a.state==="needs-attention"?"none until the config is fixed and reloaded":"not scheduled";else when(dd,a.next_run_at_ms)});
c.appendChild(dl);
if(a.last_error){var errAt=Date.parse(a.last_error.at);var past=a.last_refresh&&a.last_refresh.at_ms>errAt;
var e=el("div",past?"error past":"error");if(past)e.appendChild(el("span","label","Earlier error, since resolved: "));e.appendChild(el("b",null,a.last_error.code+(a.last_error.upstox_code?" ("+a.last_error.upstox_code+")":"")));
e.appendChild(document.createTextNode(" "+a.last_error.message));e.appendChild(el("span","hint",(a.last_error.hint?"Hint: "+a.last_error.hint+" \\u00b7 ":"")+istFmt.format(errAt)+" IST"));c.appendChild(e)}
if(a.sinks.length){var s=el("div","sinks");a.sinks.forEach(function(k){var chip=el("span","sink "+k.state,k.name+": "+k.state);if(k.error)chip.title=k.error;s.appendChild(chip)});c.appendChild(s)}
if(csrf){var act=el("div","actions");var b=el("button","refresh","Refresh now");b.type="button";b.setAttribute("data-refresh",a.account);
b.disabled=a.state==="refreshing";b.addEventListener("click",function(){refreshNow(a.account,b)});act.appendChild(b);
if(notes[a.account])act.appendChild(el("span","note",notes[a.account]));c.appendChild(act)}
return c}
function render(r){report=r;skew=r.now_ms-Date.now();var main=document.getElementById("accounts");main.replaceChildren.apply(main,r.accounts.map(card));
var count={};r.accounts.forEach(function(a){count[a.state]=(count[a.state]||0)+1});
var parts=[r.accounts.length+(r.accounts.length===1?" account":" accounts")];Object.keys(LABEL).forEach(function(k){if(count[k])parts.push(count[k]+" "+LABEL[k])});
document.getElementById("summary").textContent=parts.join(" \\u00b7 ")}
function tick(){var list=document.querySelectorAll("[data-at]");for(var i=0;i<list.length;i++){list[i].textContent=rel(Number(list[i].getAttribute("data-at")))}}
var live=document.getElementById("live");var poll=null;
function setLive(on,text){live.className="live"+(on?" on":"");live.textContent=text}
function startPolling(){if(poll)return;setLive(false,"polling");poll=setInterval(function(){fetch("v1/accounts",{cache:"no-store"}).then(function(r){return r.json()}).then(render).catch(function(){setLive(false,"offline")})},5000)}
function stopPolling(){if(poll){clearInterval(poll);poll=null}}
if(window.EventSource){var es=new EventSource("v1/events");es.onopen=function(){stopPolling();setLive(true,"live")};
es.onmessage=function(m){render(JSON.parse(m.data))};es.onerror=function(){startPolling()}}else startPolling();
render(report);setInterval(tick,1000);
})();
`;
