declare module 'monaco-editor/language/json/monaco.contribution';
declare module 'monaco-editor/languages/features/json/jsonMode';
