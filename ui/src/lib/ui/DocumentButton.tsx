import { useRef, useState, type ReactNode } from "react";
import { toAppError } from "../api/client";
import { handedText, isDesktop, openDocument, saveDocument, type DocFile } from "../documents";
import { useNotify } from "../notify";

/**
 * A button that fetches a document from the core and hands it over: `save` keeps it (the desk's
 * documents folder, or a browser download), `open` shows it to read or print (the system's PDF
 * viewer, or a new browser tab). Failures go to the error banner and the outcome to the success
 * one; inside a dialog both are said beside the button instead, not in the page behind it.
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
  const [said, setSaid] = useState<{ error: boolean; text: string } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const run = async () => {
    const inDialog = !!button.current?.closest('[role="dialog"]');
    setBusy(true);
    setSaid(null);
    notify.clear();
    try {
      const h = await (props.mode === "save" ? saveDocument(props.load) : openDocument(props.load));
      const text = handedText(h);
      if (text && inDialog) setSaid({ error: false, text });
      else if (text) notify.success(text);
      props.onDone?.();
    } catch (e) {
      if (inDialog) setSaid({ error: true, text: toAppError(e).message });
      else notify.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        ref={button}
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
      {said && (
        <span className={`small ${said.error ? "field-error" : "muted"}`} role={said.error ? "alert" : "status"} data-testid="document-said">
          {said.text}
        </span>
      )}
    </>
  );
}
