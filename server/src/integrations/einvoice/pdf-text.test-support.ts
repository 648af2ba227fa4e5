import { execFile } from 'node:child_process';

/**
 * The text of a PDF, read back with unpdf (PDF.js) the way a person's viewer reads it: through the
 * embedded font's Unicode map, so it proves the CJK text is really in the file. unpdf loads PDF.js
 * as an ES module, which jest's CommonJS runtime cannot import, so it runs in a Node child process.
 */
export function pdfText(pdf: Buffer): Promise<string> {
  const script = `
    import { extractText, getDocumentProxy } from 'unpdf';
    const chunks = [];
    for await (const c of process.stdin) chunks.push(c);
    const doc = await getDocumentProxy(new Uint8Array(Buffer.concat(chunks)));
    const { text } = await extractText(doc, { mergePages: true });
    process.stdout.write(text);
  `;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`unpdf failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin!.end(pdf);
  });
}
