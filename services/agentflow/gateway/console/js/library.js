// The library: upload (drop or pick) several PDFs at once, a live row per document fed by the
// tenant's event feed (one WebSocket for the whole library; per-document SSE or polling when
// the socket cannot be had), status badges, failures with their reason and a retry, delete, dedup.

import { ApiError, events, feed, getBlob, getJson, request, upload } from "./api.js";
import { $, el, fill, formatBytes, show } from "./dom.js";

const PAGE_SIZE = 50;
// Browsers open at most 6 connections per host over HTTP/1.1: a few documents are followed
// over SSE at once, the rest are polled, so the console's other requests never queue.
const MAX_STREAMS = 3;
const POLL_MS = 1500;

const rows = new Map();  // document id -> {node, document}
let streams = 0;
let nextCursor = null;
let live = null;  // the open library feed, or null while there is none

/** One WebSocket carries every document's progress; it reconnects and resumes by event id. */
function watchLibrary() {
  live = feed("/v1/events", {
    onEvent(event) {
      const id = event.data?.document_id;
      if (!id || !rows.has(id)) return;
      if (event.event === "progress") {
        render({ id, status: event.data.status, progress: event.data }, event.data.detail);
      } else if (event.event === "ready" || event.event === "failed") {
        getJson(`/v1/documents/${encodeURIComponent(id)}`)
          .then((doc) => { if (rows.has(id)) render(doc); })
          .catch(() => {});
      }
    },
    onLost() {  // no socket after several tries: follow the busy documents one by one
      live = null;
      for (const [id, row] of rows) {
        if (row.document.status === "pending" || row.document.status === "processing") follow(id);
      }
    },
  });
}

function badge(status) {
  return el("span", { class: `badge status-${status}`, text: status });
}

function progressLine(document, detail) {
  const { stage, done, total } = document.progress || {};
  if (document.status === "ready") return `${document.pages ?? "?"} pages, ${document.chunks ?? "?"} chunks`;
  if (document.status === "failed") return "";
  if (detail) return detail;
  if (!stage || stage === "queued") return "queued";
  return total ? `${stage} ${done}/${total}` : stage;
}

function percent(document) {
  if (document.status === "ready") return 100;
  const { stage, done, total } = document.progress || {};
  const order = ["queued", "extracting", "chunking", "embedding", "indexing", "done"];
  const step = Math.max(order.indexOf(stage), 0);
  const within = total ? done / total : 0;
  return Math.round(((step + within) / (order.length - 1)) * 100);
}

function render(document, detail = null) {
  let row = rows.get(document.id);
  if (!row) {
    row = { node: el("li", { class: "doc", "data-id": document.id }), document };
    rows.set(document.id, row);
    $("#documents").prepend(row.node);
  }
  row.document = { ...row.document, ...document };
  const doc = row.document;
  const busy = doc.status === "pending" || doc.status === "processing";
  const bar = el("progress", { max: 100, value: percent(doc),
    "aria-label": `Progress of ${doc.name}` });
  const reason = doc.status === "failed" && doc.error
    ? el("p", { class: "problem reason", text: `${doc.error.message} (${doc.error.code}, while ${doc.error.stage})` })
    : null;
  const warnings = doc.warnings?.length
    ? el("details", { class: "warnings" },
      el("summary", { text: `${doc.warnings.length} warning(s)` }),
      el("ul", {}, ...doc.warnings.map((w) => el("li", {
        text: `${w.page ? `page ${w.page}: ` : ""}${w.message}` }))))
    : null;
  const actions = el("div", { class: "actions" },
    doc.status === "failed" ? el("button", { type: "button", class: "retry", text: "Retry",
      "aria-label": `Retry ${doc.name}`, onclick: () => retry(doc.id) }) : null,
    deleteButton(doc));
  row.node.dataset.status = doc.status;
  fill(row.node, thumbnail(row), el("div", { class: "doc-body" },
    el("div", { class: "doc-head" },
      el("span", { class: "name", text: doc.name, title: doc.name }), badge(doc.status),
      row.duplicate ? el("span", { class: "badge dup", text: "duplicate" }) : null),
    el("div", { class: "doc-progress" }, busy ? bar : null,
      el("span", { class: "progress-text", text: progressLine(doc, detail) }),
      el("span", { class: "hint", text: formatBytes(doc.size_bytes || 0) })),
    row.duplicate ? el("p", { class: "hint dup-note", text: row.duplicate }) : null,
    reason, warnings, actions));
  show($("#library-empty"), rows.size === 0);
  return row;
}

/** The first page's preview (fetched with the credential, so an <img src> cannot ask). */
function thumbnail(row) {
  const doc = row.document;
  const image = el("img", { class: "thumb", alt: `First page of ${doc.name}`,
    width: 60, height: 78 });
  if (row.thumbnail) {
    image.src = row.thumbnail;
  } else if (doc.status === "ready" && !row.thumbnailAsked) {
    row.thumbnailAsked = true;
    getBlob(`/v1/documents/${encodeURIComponent(doc.id)}/thumbnail`).then((png) => {
      row.thumbnail = URL.createObjectURL(png);
      row.node.querySelector("img.thumb")?.setAttribute("src", row.thumbnail);
    }).catch(() => {});  // plain text has no preview: the grey placeholder stays
  }
  return image;
}

function deleteButton(doc) {
  let armed = null;
  const button = el("button", { type: "button", class: "danger delete", text: "Delete",
    "aria-label": `Delete ${doc.name}` });
  button.addEventListener("click", async () => {
    if (!armed) {  // a second click within 4 s confirms (no modal prompt to dismiss)
      button.textContent = "Really delete?";
      armed = setTimeout(() => { armed = null; button.textContent = "Delete"; }, 4000);
      return;
    }
    clearTimeout(armed);
    button.disabled = true;
    try {
      await request(`/v1/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
      const gone = rows.get(doc.id);
      gone?.node.remove();
      if (gone?.thumbnail) URL.revokeObjectURL(gone.thumbnail);
      rows.delete(doc.id);
      status(`Deleted ${doc.name}.`);
      show($("#library-empty"), rows.size === 0);
    } catch (error) {
      button.disabled = false;
      status(`Could not delete ${doc.name}: ${error.message}`);
    }
  });
  return button;
}

function status(text) { $("#upload-status").textContent = text; }

async function retry(id) {
  try {
    render(await getJson(`/v1/documents/${encodeURIComponent(id)}/retry`, { method: "POST" }));
    follow(id);
  } catch (error) {
    status(`Retry failed: ${error.message}`);
  }
}

/** Follow a document until ready or failed: over SSE when a slot is free, else by polling. */
async function follow(id) {
  const row = rows.get(id);
  if (!row || row.following) return;
  if (live?.open) {  // the feed brings its events; catch up once in case it came too late
    getJson(`/v1/documents/${encodeURIComponent(id)}`).then((doc) => rows.has(id) && render(doc))
      .catch(() => {});
    return;
  }
  row.following = true;
  try {
    if (streams < MAX_STREAMS) {
      streams += 1;
      try {
        for await (const event of events(`/v1/documents/${encodeURIComponent(id)}/events`)) {
          if (!rows.has(id)) return;
          if (event.event === "progress") {
            render({ id, status: event.data.status, progress: event.data }, event.data.detail);
          }
        }
      } finally {
        streams -= 1;
      }
    } else {
      for (;;) {
        const doc = await getJson(`/v1/documents/${encodeURIComponent(id)}`);
        if (!rows.has(id)) return;
        render(doc);
        if (doc.status === "ready" || doc.status === "failed") break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
    if (rows.has(id)) render(await getJson(`/v1/documents/${encodeURIComponent(id)}`));
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) status(`Lost track of a document: ${error.message}`);
  } finally {
    if (rows.get(id)) rows.get(id).following = false;
  }
}

async function uploadOne(file) {
  const line = el("span", { class: "progress-text", text: "uploading 0%" });
  const bar = el("progress", { max: 100, value: 0, "aria-label": `Upload of ${file.name}` });
  const node = el("li", { class: "doc uploading" },
    el("div", { class: "doc-head" }, el("span", { class: "name", text: file.name }),
      el("span", { class: "badge status-pending", text: "uploading" })),
    el("div", { class: "doc-progress" }, bar, line));
  $("#uploads").append(node);
  try {
    const created = await upload(file, (share) => {
      bar.value = Math.round(share * 100);
      line.textContent = `uploading ${bar.value}%`;
    });
    node.remove();
    const id = created.duplicate_of || created.id;
    const known = rows.get(id);
    const doc = known ? known.document : await getJson(`/v1/documents/${encodeURIComponent(id)}`);
    const row = render(doc);
    if (created.duplicate_of) {
      row.duplicate = `${file.name} is already in the library (same content as ${doc.name}); not stored twice.`;
      render(doc);
      row.node.scrollIntoView({ block: "nearest" });
    } else {
      follow(id);
    }
  } catch (error) {
    node.classList.add("rejected");
    node.replaceChildren(
      el("div", { class: "doc-head" }, el("span", { class: "name", text: file.name }),
        el("span", { class: "badge status-failed", text: "rejected" })),
      el("p", { class: "problem reason", text: `${error.message} (${error.code})` }),
      el("div", { class: "actions" }, el("button", { type: "button", text: "Dismiss",
        onclick: () => node.remove() })));
  }
}

export function uploadFiles(files) {
  const list = [...files];
  if (!list.length) return;
  status(`Uploading ${list.length} file(s)…`);
  Promise.all(list.map(uploadOne)).then(() => status(`Uploaded ${list.length} file(s).`));
}

async function loadPage() {
  const query = new URLSearchParams({ limit: PAGE_SIZE });
  if (nextCursor) query.set("cursor", nextCursor);
  const page = await getJson(`/v1/documents?${query}`);
  for (const doc of page.documents) {  // newest first
    if (rows.has(doc.id)) continue;
    const row = render(doc);
    $("#documents").append(row.node);  // older pages go below
    if (doc.status === "pending" || doc.status === "processing") follow(doc.id);
  }
  nextCursor = page.next_cursor;
  show($("#more"), Boolean(nextCursor));
  show($("#library-empty"), rows.size === 0);
}

export async function initLibrary() {
  const drop = $("#drop");
  const input = $("#file-input");
  input.addEventListener("change", () => { uploadFiles(input.files); input.value = ""; });
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (e) => { e.preventDefault(); uploadFiles(e.dataTransfer.files); });
  $("#more").addEventListener("click", () => loadPage().catch((e) => status(e.message)));
  nextCursor = null;
  watchLibrary();
  await live.ready;
  await loadPage();
}
