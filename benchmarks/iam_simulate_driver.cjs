// The seed AssumeRole workload for @cloud-copilot/iam-simulate, driven by compare.py.
// Reads the workload (policies, principal, role, calls, warm-up) as JSON on stdin and
// prints {"per_second": ..., "outcomes": {...}} on stdout. Resolved through NODE_PATH.
'use strict';
const { runSimulation } = require('@cloud-copilot/iam-simulate');

function simulation(work, i) {
  const externalId = i % 2 === 0 ? work.external_id : 'wrong-' + i;
  return {
    request: {
      principal: work.caller,
      action: 'sts:AssumeRole',
      resource: { resource: work.role, accountId: work.role_account },
      contextVariables: {
        'sts:ExternalId': externalId,
        'sts:RoleSessionName': 'session-' + i,
        'aws:PrincipalArn': work.caller,
        'aws:PrincipalAccount': work.caller_account,
      },
    },
    identityPolicies: [{ name: 'caller', policy: work.identity_policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: work.trust_policy,
  };
}

async function run(work, count) {
  const outcomes = {};
  for (let i = 0; i < count; i++) {
    const result = await runSimulation(simulation(work, i), {});
    const outcome = result.resultType === 'error' ? 'error' : result.overallResult;
    outcomes[outcome] = (outcomes[outcome] || 0) + 1;
  }
  return outcomes;
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const work = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  await run(work, work.warmup);
  const start = process.hrtime.bigint();
  const outcomes = await run(work, work.calls);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({ per_second: work.calls / seconds, outcomes }) + '\n');
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exit(1);
});
