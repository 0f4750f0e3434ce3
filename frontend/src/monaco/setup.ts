/**
 * Monaco, bundled locally: the editor core, the languages our script types need and the
 * editor worker through Vite's `?worker` import. Nothing is fetched from a CDN.
 */
import * as monaco from 'monaco-editor/esm/vs/editor/edcore.main.js'
import 'monaco-editor/esm/vs/basic-languages/shell/shell.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/python/python.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/powershell/powershell.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/perl/perl.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/bat/bat.contribution.js'
import 'monaco-editor/esm/vs/basic-languages/yaml/yaml.contribution.js'
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker?worker'

self.MonacoEnvironment = { getWorker: () => new EditorWorker() }

const LANGUAGE: Record<string, string> = {
  shell: 'shell', python: 'python', powershell: 'powershell', perl: 'perl', batch: 'bat', yaml: 'yaml',
}

export function languageFor(scriptType: string): string {
  return LANGUAGE[scriptType] ?? 'plaintext'
}

const SNIPPETS: Record<string, { label: string; insert: string; doc: string }[]> = {
  shell: [
    { label: 'shebang', insert: '#!/usr/bin/env bash\nset -euo pipefail\n', doc: 'bash strict mode header' },
    { label: 'for-hosts', insert: 'for i in $(seq 1 ${1:5}); do\n  echo "step $i"\n  sleep 1\ndone\n', doc: 'loop with output' },
    { label: 'check-service', insert: 'systemctl is-active --quiet ${1:nginx} && echo running || echo stopped\n', doc: 'service status' },
  ],
  python: [
    { label: 'main', insert: 'def main() -> None:\n    ${1:pass}\n\n\nif __name__ == "__main__":\n    main()\n', doc: 'main guard' },
  ],
  powershell: [
    { label: 'service', insert: 'Get-Service -Name ${1:W32Time} | Select-Object Status, Name\n', doc: 'service status' },
  ],
}

let registered = false

/** Snippet completions per script type (once per page load). */
export function registerCompletions(): void {
  if (registered) return
  registered = true
  for (const [type, snippets] of Object.entries(SNIPPETS)) {
    monaco.languages.registerCompletionItemProvider(languageFor(type), {
      provideCompletionItems(model, position) {
        const word = model.getWordUntilPosition(position)
        const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn }
        return {
          suggestions: snippets.map((s) => ({
            label: s.label,
            kind: monaco.languages.CompletionItemKind.Snippet,
            insertText: s.insert,
            insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
            documentation: s.doc,
            range,
          })),
        }
      },
    })
  }
}

export { monaco }
