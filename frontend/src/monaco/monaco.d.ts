declare module 'monaco-editor/esm/vs/editor/edcore.main.js' {
  export * from 'monaco-editor'
}
declare module 'monaco-editor/esm/vs/basic-languages/*'
