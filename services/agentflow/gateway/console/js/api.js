// The HTTP API as the console uses it: bearer credentials from session storage, RFC 9457
// problems as ApiError, and Server-Sent Events read over fetch (EventSource cannot send an
// Authorization header), resumed with Last-Event-ID when the connection drops.

const TOKEN_KEY = "agentflow.credential";
const TERMINAL = new Set(["ready", "failed", "done", "error"]);

export const credential = {
  get() { return sessionStorage.getItem(TOKEN_KEY); },
  set(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.problem = problem;
    this.status = status;
    this.code = problem.code || "http_error";
  }
}

export function authHeaders(extra = {}) {
  const headers = { ...extra };
  const token = credential.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

export async function problemOf(response) {
  let problem = {};
  try { problem = await response.json(); } catch { /* not JSON: the status says enough */ }
  const error = new ApiError({ title: response.statusText, ...problem }, response.status);
  if (response.status === 401) window.dispatchEvent(new CustomEvent("agentflow:unauthorized"));
  return error;
}

export async function request(path, { method = "GET", json, headers, signal } = {}) {
  const init = { method, headers: authHeaders(headers), signal };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await problemOf(response);
  return response;
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}

export async function getBlob(path, options) {
  return (await request(path, options)).blob();
}

/** Upload one file as multipart with upload progress (fetch cannot report it). */
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/documents");
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError({ title: "Network error",
      detail: "the upload could not reach the server" }, 0));
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* an empty or HTML body */ }
      if (xhr.status === 202) resolve(body.documents[0]);
      else {
        if (xhr.status === 401) window.dispatchEvent(new CustomEvent("agentflow:unauthorized"));
        reject(new ApiError({ title: xhr.statusText, ...body }, xhr.status));
      }
    };
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

function parseFrame(frame) {
  const event = { id: null, event: "message", data: "" };
  const data = [];
  for (const line of frame.split(/\r?\n/)) {
    if (!line || line.startsWith(":")) continue;  // keep-alive comments
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") event.id = value;
    else if (field === "event") event.event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  event.data = JSON.parse(data.join("\n"));
  return event;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The events of a stream, ending after its terminal event (ready, failed, done, error).
 * `resumeFrom(response)` names the GET path to reconnect to (a POST that streams cannot be
 * sent twice); without it the same path is asked again with Last-Event-ID.
 */
export async function* events(path, { method = "GET", json, signal, resumeFrom } = {}) {
  let lastEventId = null;
  for (let drops = 0; ; drops += 1) {
    const headers = { Accept: "text/event-stream" };
    if (lastEventId !== null) headers["Last-Event-ID"] = lastEventId;
    let response;
    try {
      response = await request(path, { method, json, headers, signal });
    } catch (error) {
      if (error instanceof ApiError || signal?.aborted || drops >= 5) throw error;
      await sleep(500 * 2 ** drops);
      continue;
    }
    if (resumeFrom) {
      path = resumeFrom(response) || path;
      method = "GET";
      json = undefined;
      resumeFrom = undefined;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let cut = buffer.search(/\r?\n\r?\n/); cut >= 0; cut = buffer.search(/\r?\n\r?\n/)) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
          const event = parseFrame(frame);
          if (event === null) continue;
          if (event.id !== null) lastEventId = event.id;
          yield event;
          if (TERMINAL.has(event.event)) return;
        }
      }
    } catch (error) {
      if (signal?.aborted || drops >= 5) throw error;
    } finally {
      reader.cancel().catch(() => {});
    }
    if (drops >= 5) throw new ApiError({ title: "Stream lost",
      detail: "the event stream kept dropping; reload to see the latest state" }, 0);
    await sleep(500 * 2 ** drops);  // the stream ended early: resume where it stopped
  }
}

/**
 * A WebSocket feed of server events (`{id, event, data}` messages). The credential goes in the
 * first message, never in the URL; on a drop it reconnects with `?after=<last id>` so nothing is
 * missed. `ready` settles once the first connection opens or fails; `open` says whether a socket
 * is up; `onLost` runs when it cannot reconnect (the caller falls back to SSE or polling).
 */
export function feed(path, { onEvent, onLost }) {
  const state = { open: false, closed: false, socket: null };
  let lastId = null;
  let drops = 0;
  let settle;
  state.ready = new Promise((resolve) => { settle = resolve; });
  const connect = () => {
    const url = new URL(path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (lastId) url.searchParams.set("after", lastId);
    const socket = new WebSocket(url, ["agentflow"]);
    state.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ token: credential.get() || "" }));
      state.open = true;
      settle();
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.event === "error") return;  // the close (4401) that follows says it
      drops = 0;  // the server accepted the credential: a later drop starts counting afresh
      if (event.id) lastId = event.id;
      if (event.event !== "heartbeat") onEvent(event);
    };
    socket.onclose = (closed) => {
      state.open = false;
      settle();
      if (state.closed) return;
      if (closed.code === 4401 || closed.code === 4400) {  // refused: asking again won't help
        state.closed = true;
        onLost();
        return;
      }
      drops += 1;
      if (drops > 5) { state.closed = true; onLost(); return; }
      setTimeout(connect, 500 * 2 ** drops);
    };
  };
  state.close = () => { state.closed = true; state.socket?.close(); };
  connect();
  return state;
}
