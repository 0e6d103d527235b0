// The console's entry point: who is signed in, the three views as keyboard-navigable tabs.

import { ApiError, credential, getJson } from "./api.js";
import { $, show } from "./dom.js";
import { initAdmin, watchAdmin } from "./admin.js";
import { initAsk, showShared } from "./ask.js";
import { initLibrary } from "./library.js";
import { initViewer } from "./viewer.js";

const AUTH_ON = document.querySelector('meta[name="agentflow-auth"]').content === "on";
let started = false;

function tabs() { return [...document.querySelectorAll('[role="tab"]')].filter((t) => !t.hidden); }

function select(tab, focus = false) {
  for (const other of document.querySelectorAll('[role="tab"]')) {
    const chosen = other === tab;
    other.setAttribute("aria-selected", String(chosen));
    other.tabIndex = chosen ? 0 : -1;
    show($(`#${other.getAttribute("aria-controls")}`), chosen);
  }
  if (focus) tab.focus();
  watchAdmin(tab.id === "tab-admin");
  if (tab.id === "tab-ask") $("#question").focus();
  history.replaceState(null, "", `#${tab.id.slice(4)}`);
}

function initTabs() {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const list = tabs();
      const at = list.indexOf(tab);
      const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: list.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select(list[(moves[event.key] + list.length) % list.length], true);
    });
  }
}

function signIn(message = "") {
  show($("#signin"), true);
  for (const view of document.querySelectorAll('[role="tabpanel"]')) show(view, false);
  show($(".tabs"), false);
  show($("#sign-out"), false);
  $("#who").textContent = "";
  $("#signin-error").textContent = message;
  show($("#signin-error"), Boolean(message));
  $("#credential").focus();
}

async function start() {
  let me;
  try {
    me = await getJson("/v1/me");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      credential.set(null);
      signIn("That key or token was not accepted.");
      return;
    }
    $("#fatal").textContent = `The server could not be reached: ${error.message}`;
    show($("#fatal"), true);
    return;
  }
  show($("#signin"), false);
  show($(".tabs"), true);
  show($("#sign-out"), AUTH_ON);
  $("#who").textContent = AUTH_ON ? `${me.tenant_id} · ${me.role}` : "local (auth off)";
  $("#tab-admin").hidden = me.role !== "admin";
  if (!started) {
    started = true;
    initTabs();
    initViewer();
    initAsk();
    initAdmin(me);
    await initLibrary();
  }
  if (openShared()) return;
  const wanted = document.getElementById(`tab-${location.hash.slice(1)}`);
  select(wanted && !wanted.hidden ? wanted : $("#tab-library"));
}

/** `#/queries/{id}`: a shared answer opens in the Ask view (its link stays in the address). */
function openShared() {
  const match = location.hash.match(/^#\/queries\/([^/?#]+)$/);
  if (!match) return false;
  const link = location.hash;
  select($("#tab-ask"));
  history.replaceState(null, "", link);
  showShared(decodeURIComponent(match[1]));
  return true;
}

function init() {
  $("#signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    credential.set($("#credential").value.trim());
    $("#credential").value = "";
    start();
  });
  $("#sign-out").addEventListener("click", () => {
    credential.set(null);
    location.reload();
  });
  window.addEventListener("agentflow:unauthorized", () => {
    if (started) { credential.set(null); signIn("Your session ended: sign in again."); }
  });
  window.addEventListener("hashchange", () => { if (started) openShared(); });
  if (AUTH_ON && !credential.get()) signIn();
  else start();
}

init();
