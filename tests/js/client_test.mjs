// The official OpenSearch JavaScript client, pointed at rerankd instead of
// the engine: every call must work and every response must parse as the
// client expects. Usage: node client_test.mjs RERANKD_URL INDEX
// Exits 0 when all checks pass; prints each failure and exits 1 otherwise.
import { Client, errors } from '@opensearch-project/opensearch';

const [url, index] = process.argv.slice(2);
if (!url || !index) {
  console.error('usage: node client_test.mjs RERANKD_URL INDEX');
  process.exit(2);
}
const client = new Client({ node: url });
let failures = 0;
function check(cond, what) {
  if (!cond) {
    failures += 1;
    console.error(`FAIL: ${what}`);
  } else {
    console.log(`ok: ${what}`);
  }
}

const query = { match: { description: 'item' } };
const asAlice = { headers: { 'x-user-id': 'alice' } };

// A reranked search.
const reranked = await client.search({ index, body: { query, size: 5 } }, asAlice);
check(reranked.statusCode === 200, 'reranked search answers 200');
check(reranked.headers['x-rerank'] === 'applied', `x-rerank is applied (${reranked.headers['x-rerank']})`);
check(reranked.body.hits.hits.length === 5, 'the page has 5 hits');
check(typeof reranked.body.hits.total.value === 'number', 'hits.total.value is a number');
check(reranked.body.hits.hits.every((h) => h._index === index && typeof h._score === 'number'),
  'every hit has its _index and a numeric _score');
check(reranked.body.hits.hits.every((h) => !JSON.stringify(h).includes('rr_vector')),
  'no vector field in the hits');
const scores = reranked.body.hits.hits.map((h) => h._score);
check(scores.every((s, i) => i === 0 || s <= scores[i - 1]), '_score does not rise down the page');
check(reranked.body.hits.max_score === scores[0], 'max_score is the top score');

// Page 2 continues page 1.
const page2 = await client.search({ index, body: { query, size: 5, from: 5 } }, asAlice);
const ids1 = reranked.body.hits.hits.map((h) => h._id);
const ids2 = page2.body.hits.hits.map((h) => h._id);
check(ids2.length === 5 && ids2.every((id) => !ids1.includes(id)), 'page 2 has 5 other hits');

// The client's own request compression (gzip bodies, which the engine
// accepts): the same reranked page, and a count passed through.
const gzipped = await client.search({ index, body: { query, size: 5 } },
  { ...asAlice, compression: 'gzip' });
check(gzipped.headers['x-rerank'] === 'applied',
  `a gzip-compressed search is reranked (${gzipped.headers['x-rerank']})`);
check(JSON.stringify(gzipped.body.hits.hits.map((h) => h._id)) === JSON.stringify(ids1),
  'and gets the same page as the plain one');
const gzippedCount = await client.count({ index, body: { query } }, { compression: 'gzip' });
check(gzippedCount.body.count > 0, `a gzip-compressed count works (${gzippedCount.body.count})`);

// Passed through: sorted search, count, a document.
const sorted = await client.search({ index, body: { query, sort: [{ price: 'asc' }], size: 3 } });
check(sorted.headers['x-rerank'] === 'skipped; reason=sorted', 'a sorted search is passed through');
const prices = sorted.body.hits.hits.map((h) => h._source.price);
check(prices.every((p, i) => i === 0 || p >= prices[i - 1]), 'sorted by price as asked');
const count = await client.count({ index });
check(count.body.count > 0, `count works (${count.body.count})`);
const doc = await client.get({ index, id: ids1[0] });
check(doc.body._id === ids1[0] && doc.body.found === true, 'get of a document works');

// The engine's own errors reach the client as the client's own errors.
try {
  await client.search({ index: 'rr-no-such-index', body: { query } });
  check(false, 'an unknown index raises');
} catch (e) {
  check(e instanceof errors.ResponseError && e.statusCode === 404 &&
        e.body.error.type === 'index_not_found_exception',
        'an unknown index is the engine\'s 404 as a ResponseError');
}
try {
  await client.indices.delete({ index });
  check(false, 'a delete through rerankd raises');
} catch (e) {
  check(e instanceof errors.ResponseError && e.statusCode === 403 &&
        e.body.error.type === 'security_exception',
        'a disallowed API is a 403 ResponseError with an engine-shaped body');
}

process.exit(failures === 0 ? 0 : 1);
