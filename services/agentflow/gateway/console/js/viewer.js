// The citation viewer: the cited page as an image with the passage highlighted, the quote, and
// the PDF opened at that page. Images and files are fetched with the caller's credentials and
// shown from blob: URLs, so no credential ever goes into a URL.

import { getBlob, getJson } from "./api.js";
import { $ } from "./dom.js";

const ZOOM = 1.5;  // the page image's pixels per PDF point (the API's default zoom)
let imageUrl = null;
let opened = 0;

function fileUrl(citation) {
  return `/v1/documents/${encodeURIComponent(citation.document_id)}/file`;
}

export function openCitation(citation) {
  const dialog = $("#viewer");
  const image = $("#viewer-image");
  const ticket = ++opened;
  $("#viewer-title").textContent = `${citation.document_name} — page ${citation.page}`;
  $("#viewer-quote").textContent = citation.quote;
  $("#viewer-status").textContent = "Loading the page…";
  image.hidden = true;
  markRecognised(citation, ticket);
  const link = $("#viewer-pdf");
  link.textContent = `Open the PDF at page ${citation.page}`;
  link.href = `${fileUrl(citation)}#page=${citation.page}`;
  link.dataset.page = citation.page;
  link.onclick = (event) => openPdf(event, citation);
  if (!dialog.open) dialog.showModal();

  const query = new URLSearchParams({ highlight: citation.quote, zoom: ZOOM });
  const path = `/v1/documents/${encodeURIComponent(citation.document_id)}/pages/${citation.page}/image?${query}`;
  getBlob(path).then((blob) => {
    if (ticket !== opened) return;  // another citation was opened meanwhile
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    imageUrl = URL.createObjectURL(blob);
    image.alt = `Page ${citation.page} of ${citation.document_name}, the cited passage highlighted`;
    image.onload = () => scrollToPassage(dialog, image, citation);
    image.src = imageUrl;
    image.hidden = false;
    $("#viewer-status").textContent = "";
  }).catch((error) => {
    if (ticket === opened) $("#viewer-status").textContent = `The page could not be shown: ${error.message}`;
  });
}

function markRecognised(citation, ticket) {
  // A scanned page's text was read by OCR: say so, with how sure the recogniser was.
  const note = $("#viewer-ocr");
  note.hidden = true;
  const path = `/v1/documents/${encodeURIComponent(citation.document_id)}/pages/${citation.page}`;
  getJson(path).then((page) => {
    if (ticket !== opened || !page.ocr) return;
    const sure = page.ocr_confidence == null ? "" : ` (confidence ${Math.round(page.ocr_confidence * 100)}%)`;
    note.textContent = `Scanned page: its text was recognised by OCR${sure}.`;
    note.hidden = false;
  }).catch(() => {});  // the mark is a courtesy; the page image still shows
}

function scrollToPassage(dialog, image, citation) {
  // bboxes are in PDF points; the page image is drawn at ZOOM pixels per point.
  const top = Math.min(...(citation.bboxes || []).map((box) => box[1]));
  if (!Number.isFinite(top) || !image.naturalWidth) return;
  const scale = (image.clientWidth / image.naturalWidth) * ZOOM;
  dialog.scrollTop = Math.max(0, image.offsetTop + top * scale - 60);
}

async function openPdf(event, citation) {
  // A plain link would arrive without the bearer token (auth on), and the API's responses carry
  // a CSP that no PDF viewer may run under: fetch the file, then open it from a blob: URL.
  event.preventDefault();
  const tab = window.open("", "_blank");
  try {
    // Through the API itself: a redirect to an object store's origin is outside the page's
    // connect-src (and the bucket's CORS rules).
    const url = URL.createObjectURL(await getBlob(`${fileUrl(citation)}?inline=true`));
    if (tab) tab.location = `${url}#page=${citation.page}`;
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    tab?.close();
    $("#viewer-status").textContent = `The PDF could not be opened: ${error.message}`;
  }
}

export function initViewer() {
  const dialog = $("#viewer");
  $("#viewer-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
}
