// The edge checkout's CPU path and the notification path in workerd, ours beside
// the plain-JS reference a shop would write (bench/reference/edge.js), per
// gateway; then where our time goes, call by call. `node bench/edge.mjs` runs
// this part alone.
import { startWorkerd } from '../sandbox/workerd.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f1 = (x) => x.toFixed(1);
const GATEWAYS = ['gatepay-io', 'gatepay', 'yimafu'];
const STEPS = [
  'Shop.checkout',
  '… + JSON.parse',
  'settleWith (settleReply)',
  'Shop.verifyNotify',
  '… + JSON.parse',
  'applyTo (applyVerified)',
  'JSON.stringify(headers)',
];

export async function edgeBench(row) {
  console.log('\n# Edge CPU paths in workerd, µs per order (timed from outside: workerd stops the clock in a request)');
  const wd = await startWorkerd({
    port: 28791,
    readyPath: '/check',
    modules: [
      ['bench/edge-bench.js', 'esModule'],
      ['bench/reference/edge.js', 'esModule'],
      ['worker/catalog.js', 'esModule'],
      ['pkg/orders.js', 'esModule'],
      ['pkg/webhook.js', 'esModule'],
      ['pkg/ledger.js', 'esModule'],
      ['pkg/worker.js', 'esModule'],
      ['pkg/worker/qrcheckout.js', 'esModule'],
      ['pkg/worker/qrcheckout_bg.wasm', 'wasm'],
    ],
  });
  try {
    const check = await fetch(`${wd.url}/check`);
    if (check.status !== 200) throw new Error(`ours and the reference disagree: ${await check.text()}`);
    const once = async (path, n) => {
      const t0 = performance.now();
      const res = await fetch(`${wd.url}${path}${path.includes('?') ? '&' : '?'}n=${n}`);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${text}`);
      return performance.now() - t0;
    };
    const perOp = async (path, n = 2000) => {
      for (let i = 0; i < 3; i++) await once(path, 200);
      const samples = [];
      for (let i = 0; i < 5; i++) samples.push((await once(path, n)) - (await once('/none', 1)));
      return (median(samples) * 1000) / n;
    };
    for (const [what, figure] of process.env.STEPS_ONLY
      ? []
      : [
          ['checkout', 'checkout CPU path: price → build → sign → parse → open'],
          ['notify', 'notify path: verify → apply'],
        ]) {
      for (const gw of GATEWAYS) {
        const ours = await perOp(`/${what}/ours?gw=${gw}`);
        const ref = await perOp(`/${what}/ref?gw=${gw}`);
        const ratio = `${(ref / ours).toFixed(2)}×`;
        row('edge', `${figure}, ${gw}`, `${f1(ours)} µs`, `plain JS + WebCrypto ${f1(ref)} µs`, ratio, '≥ 1.5×');
      }
    }
    for (const gw of GATEWAYS) {
      const steps = [];
      // More calls per request than the paths: a step under a microsecond would drown in the request's own noise.
      for (let k = 0; k < STEPS.length; k++) steps.push(`${STEPS[k]} ${f1(await perOp(`/steps?gw=${gw}&k=${k}`, 10000))}`);
      row('edge', `ours call by call (${gw}), µs`, steps.join(' · '));
    }
  } finally {
    await wd.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await edgeBench((area, figure, value, competitor = '', ratio = '', goal = '') =>
    console.log(
      `  ${figure}: ${value}${competitor ? ` | ${competitor}` : ''}${ratio ? ` | ${ratio}` : ''}${goal ? ` | goal ${goal}` : ''}`,
    ),
  );
}
