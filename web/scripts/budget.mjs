// Fails the build when the first page's script is over budget: the entry chunk and the chunks
// index.html preloads, gzipped, must stay within 200 KB. Prints every chunk's size.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 200 * 1024;
const dist = new URL("../dist/", import.meta.url);
const html = readFileSync(new URL("index.html", dist), "utf8");
const firstPage = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
const gz = (file) => gzipSync(readFileSync(new URL(file, dist)), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

for (const file of readdirSync(new URL("assets/", dist)).sort()) {
  console.log(`${file.padEnd(40)} ${kb(gz(`assets/${file}`)).padStart(10)} gzipped`);
}
const total = firstPage.reduce((sum, file) => sum + gz(file), 0);
console.log(`first page: ${firstPage.join(", ")} = ${kb(total)} gzipped (budget ${kb(BUDGET)})`);
if (firstPage.length === 0) throw new Error("index.html loads no script: the build is broken");
if (total > BUDGET) {
  console.error(`the first page's script is over budget by ${kb(total - BUDGET)}`);
  process.exit(1);
}
