import { useEffect, useState } from "react";

/** A labelled, copyable code snippet. */
export function CodeBlock({ label, code, wide = false }: { label: string; code: string; wide?: boolean }) {
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return undefined;
    const timer = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  const canCopy = typeof navigator !== "undefined" && Boolean(navigator.clipboard);
  return (
    <figure className={wide ? "code-block wide" : "code-block"}>
      <figcaption>
        <span>{label}</span>
        {canCopy && (
          <button type="button" className="copy" onClick={() => void copy()} aria-label={`Copy: ${label}`}>
            {copied ? "Copied" : "Copy"}
          </button>
        )}
      </figcaption>
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
