import { useState, type ReactNode } from "react";
import { handedText, isDesktop, openDocument, saveDocument, type DocFile } from "../documents";
import { useNotify } from "../notify";

/**
 * A button that fetches a document from the core and hands it over: `save` keeps it (the desk's
 * documents folder, or a browser download), `open` shows it to read or print (the system's PDF
 * viewer, or a new browser tab). Failures go to the error banner; the outcome to the success one.
 */
export function DocumentButton(props: {
  load(): Promise<DocFile>;
  mode: "save" | "open";
  children: ReactNode;
  testId?: string;
  className?: string;
  disabled?: boolean;
  title?: string;
  /** Called once the document was handed over. */
  onDone?(): void;
}) {
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    notify.clear();
    try {
      const h = await (props.mode === "save" ? saveDocument(props.load) : openDocument(props.load));
      const text = handedText(h);
      if (text) notify.success(text);
      props.onDone?.();
    } catch (e) {
      notify.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className={props.className ?? "btn"}
      disabled={props.disabled || busy}
      onClick={() => void run()}
      data-testid={props.testId}
      title={props.title ?? (props.mode === "save" ? (isDesktop() ? "Save into Documents/FlexDesk" : "Download the file") : isDesktop() ? "Open in the PDF viewer to read or print" : "Open in a new tab to read or print")}
      aria-busy={busy || undefined}
    >
      {busy ? (props.mode === "save" ? "Saving…" : "Opening…") : props.children}
    </button>
  );
}
