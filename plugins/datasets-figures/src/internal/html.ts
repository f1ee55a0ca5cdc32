// SVG -> a self-contained HTML page: the SVG inlined under a title, no script, no stylesheet or font to
// fetch. Its Content-Security-Policy forbids every load, so the page opens offline and from an e-mail.

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export interface PageText {
  readonly title: string;
  /** Show the title above the chart too; off when the chart draws that same title itself. */
  readonly heading: boolean;
  readonly description?: string | undefined;
}

/** The page around `svg`. The chart shrinks to the window's width and keeps its proportions. */
export const htmlPage = (svg: string, text: PageText): string => {
  const title = escapeHtml(text.title);
  const description = text.description ? `\n<meta name="description" content="${escapeHtml(text.description)}">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="@dagrun/datasets-figures">${description}
<title>${title}</title>
<style>
body { margin: 2rem; font-family: system-ui, sans-serif; color: #222; background: #fff; }
h1 { font-size: 1.25rem; font-weight: 600; margin: 0 0 1rem; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
${text.heading ? `<h1>${title}</h1>\n` : ''}<figure>
${svg}
</figure>
</body>
</html>
`;
};
