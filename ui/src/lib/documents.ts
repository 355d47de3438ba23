// Documents the core makes (PDFs, CSV files) reach the person the same way everywhere: in the
// desktop window they are saved into ~/Documents/FlexDesk (`documents.save`) and opened in the
// system's viewer; in a browser they are downloaded, or opened in a new tab.
import { call } from "./api/client";
import type { Document } from "./api/bindings/Document";
import { hasTauri, openInDesktop } from "./api/tauri-transport";

/** What is needed to hand a file over: its name, type and bytes (base64). */
export type DocFile = Pick<Document, "filename" | "contentType" | "base64">;

export function isDesktop(): boolean {
  return hasTauri();
}

/** A text file (a CSV export) as a document, its UTF-8 bytes in base64. */
export function textDocument(filename: string, text: string, contentType = "text/csv"): DocFile {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { filename, contentType, base64: btoa(bin) };
}

function blobOf(doc: DocFile): Blob {
  const bin = atob(doc.base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: doc.contentType || "application/octet-stream" });
}

function download(doc: DocFile): void {
  const url = URL.createObjectURL(blobOf(doc));
  const a = document.createElement("a");
  a.href = url;
  a.download = doc.filename;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser time to start the download before the bytes go.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** How a document was handed over, for the sentence shown afterwards. */
export type Handed =
  | { kind: "saved"; path: string }
  | { kind: "downloaded"; filename: string }
  | { kind: "opened"; filename: string; path?: string }
  /** The person closed the new tab before the document arrived. */
  | { kind: "closed" };

/** Save: into the desk's documents folder (desktop), or as a browser download. */
export async function saveDocument(load: () => Promise<DocFile>): Promise<Handed> {
  const doc = await load();
  if (isDesktop()) {
    const saved = await call("documents.save", { filename: doc.filename, base64: doc.base64 });
    return { kind: "saved", path: saved.path };
  }
  download(doc);
  return { kind: "downloaded", filename: doc.filename };
}

/**
 * Open to read or print: the desktop saves the PDF and opens it in the system viewer; a browser
 * shows it in a new tab. The tab is opened at once (while the click still counts as the person's
 * own, so no pop-up blocker stops it) and shows the document when it arrives.
 */
export async function openDocument(load: () => Promise<DocFile>): Promise<Handed> {
  if (isDesktop()) {
    const doc = await load();
    const saved = await call("documents.save", { filename: doc.filename, base64: doc.base64 });
    await openInDesktop(saved.path);
    return { kind: "opened", filename: doc.filename, path: saved.path };
  }
  const tab = window.open("", "_blank");
  if (tab) {
    try {
      tab.document.title = "FlexDesk";
      tab.document.body.textContent = "Preparing the document…";
    } catch {
      /* a tab that is not ours to write into still gets the document below */
    }
  }
  let doc: DocFile;
  try {
    doc = await load();
  } catch (e) {
    tab?.close();
    throw e;
  }
  if (!tab) {
    // Pop-ups are blocked here: the document is downloaded instead.
    download(doc);
    return { kind: "downloaded", filename: doc.filename };
  }
  if (tab.closed) return { kind: "closed" };
  const url = URL.createObjectURL(blobOf(doc));
  tab.location.href = url;
  // The tab keeps its copy; the link stays valid long enough to reload or print it.
  window.setTimeout(() => URL.revokeObjectURL(url), 10 * 60_000);
  return { kind: "opened", filename: doc.filename };
}

/** The sentence for the success notice (none when nothing happened). */
export function handedText(h: Handed): string {
  switch (h.kind) {
    case "saved":
      return `Saved to ${h.path}.`;
    case "downloaded":
      return `${h.filename} downloaded.`;
    case "opened":
      return h.path ? `${h.path} opened in the PDF viewer.` : `${h.filename} opened in a new tab.`;
    case "closed":
      return "";
  }
}
