// Ask: the answer streams in token by token, the agents' steps show as they happen, citations
// become [n] buttons and a source list, and follow-ups continue the conversation.

import { ApiError, events, getJson } from "./api.js";
import { $, el, formatMs } from "./dom.js";
import { openCitation } from "./viewer.js";

let conversationId = null;
let asking = false;
let turns = 0;

function logAgent(data, started) {
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const attempt = data.attempt > 1 ? ` (attempt ${data.attempt})` : "";
  $("#agent-log").append(el("li", { class: `agent-step step-${data.status}`, "data-agent": data.agent },
    el("span", { class: "when", text: `${seconds} s` }),
    el("strong", { text: data.agent }),
    el("span", { class: `badge step-${data.status}`, text: data.status }),
    el("span", { class: "detail", text: `${attempt} ${data.detail || ""}`.trim() })));
}

function citeButton(citation, turn) {
  return el("button", { type: "button", class: "cite", "data-n": citation.n,
    "aria-label": `Citation ${citation.n}: ${citation.document_name}, page ${citation.page}`,
    onclick: () => openCitation(citation), text: `[${citation.n}]`,
    "aria-describedby": `source-${turn}-${citation.n}` });
}

function sourceItem(citation, turn) {
  return el("li", { id: `source-${turn}-${citation.n}`, class: "source", "data-n": citation.n },
    el("button", { type: "button", class: "source-link", onclick: () => openCitation(citation) },
      `[${citation.n}] ${citation.document_name}, page ${citation.page}`),
    el("span", { class: "support", title: "how well the passage supports the statement",
      text: ` support ${Math.round((citation.support ?? 0) * 100)}%` }),
    el("blockquote", { text: citation.quote }));
}

/** The answer with its [n] markers as buttons that open the cited passage. */
function answerNodes(answer, citations, turn) {
  const byNumber = new Map(citations.map((c) => [c.n, c]));
  const nodes = [];
  let last = 0;
  for (const match of answer.matchAll(/\[(\d+)\]/g)) {
    const citation = byNumber.get(Number(match[1]));
    if (!citation) continue;
    nodes.push(answer.slice(last, match.index), citeButton(citation, turn));
    last = match.index + match[0].length;
  }
  nodes.push(answer.slice(last));
  return nodes;
}

/** The answer's permalink: any user of the tenant can open it (`#/queries/{id}`). */
export function permalink(queryId) {
  return `${location.origin}${location.pathname}#/queries/${encodeURIComponent(queryId)}`;
}

function shareLink(queryId) {
  const link = el("a", { class: "permalink", href: permalink(queryId),
    text: "Link to this answer", title: "Anyone in your organisation can open this link" });
  const copy = el("button", { type: "button", class: "quiet copy-link", text: "Copy link" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(link.href);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select the link to copy it";
    }
  });
  return el("span", { class: "share" }, " · ", link, " ", copy);
}

function renderDone(view, data, turn) {
  view.answer.replaceChildren(...answerNodes(data.answer, data.citations, turn));
  view.answer.setAttribute("aria-busy", "false");
  view.sources.replaceChildren(...data.citations.map((c) => sourceItem(c, turn)));
  const confidence = Math.round(data.confidence * 100);
  const timings = data.timings_ms || {};
  view.meta.replaceChildren(
    el("span", { class: "confidence" }, "confidence ",
      el("meter", { min: 0, max: 100, value: confidence, "aria-label": "confidence" }),
      ` ${confidence}%`),
    el("span", { class: "hint", text: ` · answered in ${formatMs(timings.total)}` +
      (timings.first_token !== undefined ? ` · first words after ${formatMs(timings.first_token)}` : "") }),
    data.query_id ? shareLink(data.query_id) : null);
  if (data.warnings?.length) {
    view.node.append(el("ul", { class: "warnings" },
      ...data.warnings.map((w) => el("li", { text: w }))));
  }
  if (data.related_questions?.length) {
    view.related.replaceChildren(el("span", { class: "hint", text: "Related: " }),
      ...data.related_questions.map((q) => el("button", { type: "button", class: "related-q",
        text: q, onclick: () => ask(q) })));
  }
}

function renderTurn(question) {
  turns += 1;
  const view = {
    answer: el("p", { class: "answer", "aria-busy": "true", "aria-live": "off" }),
    sources: el("ol", { class: "sources", "aria-label": "Sources" }),
    meta: el("div", { class: "meta" }),
    related: el("div", { class: "related" }),
    status: el("p", { class: "hint", role: "status" }),
  };
  view.node = el("article", { class: "turn", "data-turn": turns },
    el("h3", { class: "question", text: question }), view.status, view.answer, view.meta,
    view.sources, view.related);
  $("#conversation").append(view.node);
  return view;
}

export async function ask(question) {
  question = question.trim();
  if (!question || asking) return;
  asking = true;
  $("#ask-button").disabled = true;
  $("#agent-log").replaceChildren();
  const turn = turns + 1;
  const view = renderTurn(question);
  view.node.scrollIntoView({ block: "start" });
  const started = performance.now();
  const body = { question, stream: true };
  if (conversationId) body.conversation_id = conversationId;
  let attempt = 1;
  try {
    const stream = events("/v1/queries", { method: "POST", json: body,
      resumeFrom: (response) => {
        conversationId = response.headers.get("X-Conversation-Id") || conversationId;
        const id = response.headers.get("X-Query-Id");
        return id ? `/v1/queries/${encodeURIComponent(id)}/stream` : null;
      } });
    for await (const event of stream) {
      const data = event.data;
      if (event.event === "agent") {
        logAgent(data, started);
        if (data.agent === "synthesis" && (data.status === "retrying" || data.status === "fallback")) {
          view.answer.replaceChildren();  // the next attempt writes the answer again
        }
      } else if (event.event === "retrieval") {
        view.status.textContent = `${data.passages.length} passage(s) found; writing the answer…`;
      } else if (event.event === "token") {
        if (data.attempt > attempt) { attempt = data.attempt; view.answer.replaceChildren(); }
        if (data.attempt < attempt) continue;  // a late piece of an abandoned attempt
        view.answer.append(data.text);
      } else if (event.event === "citation") {
        view.sources.append(sourceItem(data, turn));
      } else if (event.event === "done") {
        view.status.textContent = "";
        renderDone(view, data, turn);
      } else if (event.event === "error") {
        throw new ApiError(data, data.status || 500);
      }
    }
  } catch (error) {
    view.answer.setAttribute("aria-busy", "false");
    view.status.textContent = "";
    view.node.append(el("p", { class: "problem", role: "alert",
      text: `The question could not be answered: ${error.message} (${error.code || "error"})` }));
  } finally {
    asking = false;
    $("#ask-button").disabled = false;
    $("#question").focus();
  }
}

/** A shared answer, opened from its permalink: the question, the answer, its citations. */
export async function showShared(queryId) {
  $("#conversation").replaceChildren();
  $("#agent-log").replaceChildren();
  conversationId = null;
  const turn = turns + 1;
  try {
    const record = await getJson(`/v1/queries/${encodeURIComponent(queryId)}`);
    const view = renderTurn(record.question);
    view.node.classList.add("shared");
    if (record.status === "completed") {
      renderDone(view, { ...record, query_id: record.id }, turn);
    } else {
      view.answer.setAttribute("aria-busy", "false");
      view.status.textContent = record.status === "failed"
        ? `This question could not be answered (${record.error?.code || "error"}).`
        : "This answer is still being written; open the link again in a moment.";
    }
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    $("#conversation").append(el("p", { class: "problem shared-missing", role: "alert",
      text: missing ? "This shared answer does not exist, or belongs to another organisation."
        : `The shared answer could not be opened: ${error.message}` }));
  }
}

export function initAsk() {
  const form = $("#ask-form");
  const box = $("#question");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = box.value;
    box.value = "";
    ask(question);
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  $("#new-conversation").addEventListener("click", () => {
    conversationId = null;
    $("#conversation").replaceChildren();
    $("#agent-log").replaceChildren();
    box.focus();
  });
}
