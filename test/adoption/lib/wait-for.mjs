// Waits until a URL answers 200 (the backend has started), or gives up.
//
//   node wait-for.mjs <url> <seconds>
const [url, seconds = '120'] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
let last = 'no answer';
while (Date.now() < deadline) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (res.ok) {
      console.log(
        `${url}: ${res.status} after ${process.uptime().toFixed(0)}s`,
      );
      process.exit(0);
    }
    last = `${res.status}`;
  } catch (e) {
    last = e.cause?.code ?? e.message;
  }
  await new Promise(r => setTimeout(r, 1000));
}
console.error(`${url} did not answer 200 within ${seconds}s (last: ${last})`);
process.exit(1);
