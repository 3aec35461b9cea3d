/** The code editor: CodeMirror 6 (bundled), highlighting per language, light and dark. */
import { useEffect, useRef } from "react";
import { basicSetup } from "codemirror";
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { StreamLanguage, type LanguageSupport } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { javascript } from "@codemirror/lang-javascript";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { oneDark } from "@codemirror/theme-one-dark";
import { useDark } from "./ui";

function languageOf(name: string): LanguageSupport | ReturnType<typeof StreamLanguage.define> | [] {
  const key = name.toLowerCase();
  if (key.startsWith("py")) return python();
  if (key === "javascript" || key === "js" || key === "node" || key === "typescript" || key === "ts") return javascript({ typescript: key.startsWith("t") });
  if (key === "bash" || key === "sh" || key === "shell" || key === "zsh") return StreamLanguage.define(shell);
  return [];
}

const lightTheme = EditorView.theme({
  "&": { backgroundColor: "var(--surface)", color: "var(--text)" },
  ".cm-gutters": { backgroundColor: "var(--surface-2)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "rgba(232, 89, 12, 0.06)" },
  ".cm-activeLineGutter": { backgroundColor: "rgba(232, 89, 12, 0.1)" },
});

const baseTheme = EditorView.theme({
  "&": { fontSize: "14px", height: "100%" },
  ".cm-scroller": { fontFamily: "var(--font-mono)", lineHeight: "1.55" },
  ".cm-content": { minHeight: "var(--ar-editor-min, 280px)" },
  "&.cm-focused": { outline: "2px solid var(--focus)", outlineOffset: "-2px" },
});

export default function CodeEditor({
  value,
  onChange,
  language,
  label,
  testId = "code-editor",
  readOnly = false,
  onSubmitShortcut,
}: {
  value: string;
  onChange: (value: string) => void;
  language: string;
  label: string;
  testId?: string;
  readOnly?: boolean;
  /** Ctrl/Cmd+Enter. */
  onSubmitShortcut?: () => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  const shortcutRef = useRef(onSubmitShortcut);
  onChangeRef.current = onChange;
  shortcutRef.current = onSubmitShortcut;
  const languageCompartment = useRef(new Compartment());
  const themeCompartment = useRef(new Compartment());
  const readOnlyCompartment = useRef(new Compartment());
  const dark = useDark();

  useEffect(() => {
    if (!host.current) return undefined;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          keymap.of([
            {
              key: "Mod-Enter",
              run: () => {
                shortcutRef.current?.();
                return true;
              },
            },
            indentWithTab,
          ]),
          baseTheme,
          languageCompartment.current.of(languageOf(language)),
          themeCompartment.current.of(dark ? oneDark : lightTheme),
          readOnlyCompartment.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          EditorView.contentAttributes.of({ "aria-label": label, "data-testid": `${testId}-content` }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is made once; later changes go through the compartments and the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: languageCompartment.current.reconfigure(languageOf(language)) });
  }, [language]);

  useEffect(() => {
    view.current?.dispatch({ effects: themeCompartment.current.reconfigure(dark ? oneDark : lightTheme) });
  }, [dark]);

  useEffect(() => {
    view.current?.dispatch({
      effects: readOnlyCompartment.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  // A value set from outside (a template, a language switch) replaces the document.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  return (
    <div className="ar-editor" data-testid={testId} data-language={language}>
      <div ref={host} className="ar-editor-host" />
      <p className="ar-editor-help ar-muted">
        Tab indents; press <kbd>Esc</kbd> then <kbd>Tab</kbd> to leave the editor. <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs.
      </p>
    </div>
  );
}
