// Colour for text output: on only when asked or when stdout is a terminal. Renderers get
// a Style and never look at the environment themselves.

export interface Style {
  id(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  warn(s: string): string;
  error(s: string): string;
  good(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export const COLOR: Style = {
  id: wrap(36, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
  warn: wrap(33, 39),
  error: wrap(31, 39),
  good: wrap(32, 39),
};

const same = (s: string): string => s;
export const PLAIN: Style = { id: same, dim: same, bold: same, warn: same, error: same, good: same };
