import { inflateSync } from 'node:zlib';

/**
 * The text a pdfkit PDF draws, in page order: each content stream inflated where it is
 * compressed (FlateDecode), then the hex strings of its TJ arrays (standard fonts, WinAnsi).
 */
export function pdfText(pdf: Buffer): string {
  const s = pdf.toString('latin1');
  const streams: string[] = [];
  for (const m of s.matchAll(/<<([^]*?)>>\s*stream\r?\n/g)) {
    const start = m.index! + m[0].length;
    const end = s.indexOf('endstream', start);
    const raw = pdf.subarray(start, end);
    if (/\/FlateDecode/.test(m[1]!)) {
      try {
        streams.push(inflateSync(raw).toString('latin1'));
      } catch {
        // a font or image stream that is not text
      }
    } else streams.push(raw.toString('latin1'));
  }
  return streams
    .flatMap((text) => [...text.matchAll(/\[((?:<[0-9a-f]+>\s*-?[\d.]*\s*)+)\]\s*TJ/g)])
    .map((m) => [...m[1]!.matchAll(/<([0-9a-f]+)>/g)].map((x) => Buffer.from(x[1]!, 'hex').toString('latin1')).join(''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .replace(/- /g, '-');
}
