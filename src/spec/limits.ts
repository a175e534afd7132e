// Bounds on imported files, shared by the spec's size checks and the parsers in data/import.ts.
/** Bounds that keep an import inside what a tab can tokenize and train on. */
export const IMPORT_LIMITS = {
  corpusChars: 50_000_000,
  corpusDocuments: 1_000_000,
  documentChars: 1_000_000,
  jsonlChars: 50_000_000,
  conversations: 65_536,
  turns: 64,
  turnChars: 20_000,
} as const;
