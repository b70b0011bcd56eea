/*
 * Run inside the temporary project by cli-installed.sh: connects to the
 * installed hubble-relay-sim with the installed cilium-node HubbleRelayClient
 * (copied there, so that it loads the installed packages) and waits (up to 60 s) for at least one flow.
 *   node relay-client.js <host:port>
 */
'use strict';
const { HubbleRelayClient } = require('@cilium-zero-trust/plugin-cilium-node');

async function main(address) {
  const client = new HubbleRelayClient({ address, requestTimeoutMs: 5000 });
  const deadline = Date.now() + 60000;
  let lastError;
  try {
    while (Date.now() < deadline) {
      try {
        const status = await client.serverStatus();
        const { flows } = await client.getFlows(
          { number: 20 },
          { timeoutMs: 5000 },
        );
        if (flows.length > 0) {
          const f = flows[0];
          console.log(
            `received ${flows.length} flows from ${status.version} (${status.num_flows} buffered); first: ${f.source.namespace}/${f.source.podName} -> ${f.destination.namespace}/${f.destination.podName}:${f.destinationPort} ${f.verdict}`,
          );
          return 0;
        }
      } catch (e) {
        lastError = e;
      }
      await new Promise(r => setTimeout(r, 500));
    }
  } finally {
    client.close();
  }
  console.error(
    `no flow within 60 s${lastError ? `: ${lastError.message}` : ''}`,
  );
  return 1;
}

main(process.argv[2]).then(code => process.exit(code));
